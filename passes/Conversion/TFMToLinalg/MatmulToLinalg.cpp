//===- MatmulToLinalg.cpp - tfm.matmul -> linalg --------------------------===//
//
// The contraction uses the onnx MatMul builder (so kiln-contraction-to-runtime-gemm finds the
// same linalg.generic); `transpose_rhs` is the rhs map with its last two dims swapped (both
// targets' contraction kernels take any projected-permutation map, so no copy); the bias and
// activation are one elementwise op after it (computed in f32 for f16/bf16), which
// kiln-fuse-elementwise merges with what follows; on the CUDA target
// kiln-cuda-tile-contractions applies it in the contraction kernel's registers.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoweringDiagnostics.h"
#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "passes/Conversion/TFMToLinalg/TFMToLinalg.h"

#include "dialects/TFM/TFMDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::tfm;

namespace {

/// The activation of the scalar `x`.
Value activate(OpBuilder &b, Location l, Value x, Activation activation) {
  Type t = x.getType();
  auto c = [&](double v) { return arith::ConstantOp::create(b, l, t, b.getFloatAttr(t, v)); };
  switch (activation) {
  case Activation::none:
    return x;
  case Activation::relu:
    return arith::MaximumFOp::create(b, l, x, c(0.0));
  case Activation::gelu:
    return buildGelu(b, l, x, /*tanhForm=*/false);
  case Activation::gelu_tanh:
    return buildGelu(b, l, x, /*tanhForm=*/true);
  case Activation::silu: // x / (1 + exp(-x))
    return arith::DivFOp::create(
        b, l, x,
        arith::AddFOp::create(b, l, c(1.0),
                              math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x))));
  }
  return x;
}

struct MatmulToLinalg : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    FailureOr<Value> y =
        buildMatMul(rewriter, loc, adaptor.getLhs(), adaptor.getRhs(), type, op.getTransposeRhs());
    if (failed(y))
      return kiln::rejectLowering(rewriter, op, "a dynamic batch dim has no source operand");
    Activation activation = op.getActivation();
    if (adaptor.getBias() || activation != Activation::none) {
      SmallVector<Value> operands = {*y};
      if (adaptor.getBias())
        operands.push_back(adaptor.getBias());
      y = buildWidenedElementwise(rewriter, loc, type, operands,
                                  [&](OpBuilder &b, Location l, ValueRange a) {
                                    Value x = a[0];
                                    if (a.size() > 1)
                                      x = arith::AddFOp::create(b, l, x, a[1]);
                                    return activate(b, l, x, activation);
                                  });
      if (failed(y))
        return kiln::rejectLowering(rewriter, op, "a dynamic dim has no source operand");
    }
    rewriter.replaceOp(op, *y);
    return success();
  }
};

} // namespace

void kiln::populateMatmulToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulToLinalg>(patterns.getContext());
}
