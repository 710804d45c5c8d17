//===- NormalizationToLinalg.cpp - tfm norms and GELU -> linalg -----------===//
//
// tfm.layer_norm and tfm.rms_norm use the same builders as the ONNX ops they come from
// (statistics in f32 for f16/bf16, as the tfm precision rule says); tfm.gelu is one
// elementwise op, computed in f32 for f16/bf16.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"
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
    RankedTensorType type = op.getType();
    Type element = type.getElementType();
    bool widen = isa<Float16Type, BFloat16Type>(element);
    Type compute = widen ? Type(rewriter.getF32Type()) : element;
    bool tanhForm = op.getApproximation() == GeluApproximation::tanh;
    FailureOr<Value> y = buildElementwise(
        rewriter, op.getLoc(), type, ValueRange{adaptor.getInput()},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value x = widen ? Value(arith::ExtFOp::create(b, l, compute, a[0])) : a[0];
          Value r = buildGelu(b, l, x, tanhForm);
          return widen ? Value(arith::TruncFOp::create(b, l, element, r)) : r;
        });
    if (failed(y))
      return rewriter.notifyMatchFailure(op, "a dynamic dim has no source operand");
    rewriter.replaceOp(op, *y);
    return success();
  }
};

} // namespace

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
