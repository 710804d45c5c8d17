//===- NormalizationToLinalg.cpp - tfm norms and GELU -> linalg -----------===//
//
// tfm.layer_norm and tfm.rms_norm use the same builders as the ONNX ops they come from
// (statistics in f32 for f16/bf16, as the tfm precision rule says); tfm.gelu is one
// elementwise op, computed in f32 for f16/bf16.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "passes/Conversion/LoweringDiagnostics.h"
#include "passes/Conversion/TFMToLinalg/TFMToLinalg.h"

#include "dialects/TFM/TFMDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::tfm;

namespace {

struct LayerNormToLinalg : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    LayerNormValues norm = buildLayerNorm(rewriter, op.getLoc(), adaptor.getInput(),
                                          adaptor.getScale(), adaptor.getBias(), op.getAxis(),
                                          op.getEpsilon().convertToFloat());
    rewriter.replaceOp(op, castToResultType(rewriter, op.getLoc(), norm.y, op.getType()));
    return success();
  }
};

struct RMSNormToLinalg : OpConversionPattern<RMSNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RMSNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value y = buildRMSNorm(rewriter, op.getLoc(), adaptor.getInput(), adaptor.getScale(),
                           op.getAxis(), op.getEpsilon().convertToFloat());
    rewriter.replaceOp(op, castToResultType(rewriter, op.getLoc(), y, op.getType()));
    return success();
  }
};

struct GeluToLinalg : OpConversionPattern<GeluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GeluOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    bool tanhForm = op.getApproximation() == GeluApproximation::tanh;
    FailureOr<Value> y = buildWidenedElementwise(
        rewriter, op.getLoc(), op.getType(), ValueRange{adaptor.getInput()},
        [&](OpBuilder &b, Location l, ValueRange a) { return buildGelu(b, l, a[0], tanhForm); });
    if (failed(y))
      return kiln::rejectLowering(rewriter, op, "a dynamic dim has no source operand");
    rewriter.replaceOp(op, *y);
    return success();
  }
};

} // namespace

FailureOr<Value>
kiln::buildWidenedElementwise(OpBuilder &b, Location loc, RankedTensorType type,
                              ValueRange operands,
                              function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  Type element = type.getElementType();
  bool widen = isa<Float16Type, BFloat16Type>(element);
  return buildElementwise(b, loc, type, operands, [&](OpBuilder &nb, Location l, ValueRange a) {
    SmallVector<Value> wide;
    for (Value v : a)
      wide.push_back(widen ? Value(arith::ExtFOp::create(nb, l, nb.getF32Type(), v)) : v);
    Value r = body(nb, l, wide);
    return widen ? Value(arith::TruncFOp::create(nb, l, element, r)) : r;
  });
}

Value kiln::buildGelu(OpBuilder &b, Location l, Value x, bool tanhForm) {
  Type t = x.getType();
  auto c = [&](double v) { return arith::ConstantOp::create(b, l, t, b.getFloatAttr(t, v)); };
  Value inner;
  if (tanhForm) {
    Value cube = arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, x, x), x);
    Value sum = arith::AddFOp::create(b, l, x, arith::MulFOp::create(b, l, cube, c(0.044715)));
    inner = math::TanhOp::create(b, l,
                                 arith::MulFOp::create(b, l, sum, c(std::sqrt(2.0 / M_PI))));
  } else {
    inner = math::ErfOp::create(b, l, arith::MulFOp::create(b, l, x, c(M_SQRT1_2)));
  }
  Value half = arith::MulFOp::create(b, l, x, c(0.5));
  return arith::MulFOp::create(b, l, half, arith::AddFOp::create(b, l, inner, c(1.0)));
}

void kiln::populateTFMNormalizationToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LayerNormToLinalg, RMSNormToLinalg, GeluToLinalg>(patterns.getContext());
}
