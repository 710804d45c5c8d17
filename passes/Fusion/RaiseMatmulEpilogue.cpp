//===- RaiseMatmulEpilogue.cpp - kiln-raise-matmul-epilogue ---------------===//
//
// A projection as exporters write it -- MatMul(x, W) or Gemm(x, W, b) followed by a bias Add
// and an activation -- becomes one tfm.matmul carrying its epilogue:
//
//   activation(x · W + b),  activation ∈ {relu, gelu (tfm.gelu, either form), silu}
//
// The bias must be a per-output-feature vector (every dim but the last is 1), which is what
// separates it from a residual Add. silu is x · Sigmoid(x). A MatMul with neither bias nor
// activation stays an onnx.MatMul. Gemm qualifies with alpha = beta = 1 and no transposed A;
// transB becomes `transpose_rhs`.
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionUtils.h"
#include "passes/Passes.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/TFM/TFMDialect.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_RAISEMATMULEPILOGUE
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::fusion;

namespace {

RankedTensorType rankedType(Value v) {
  return v ? dyn_cast<RankedTensorType>(v.getType()) : RankedTensorType();
}

/// Whether `bias` is one value per output feature of `result`: [.., 1, N] or [N].
bool isFeatureBias(Value bias, RankedTensorType result) {
  auto t = rankedType(bias);
  if (!t || t.getRank() < 1 || t.getRank() > result.getRank() ||
      t.getElementType() != result.getElementType())
    return false;
  for (int64_t d : t.getShape().drop_back())
    if (d != 1)
      return false;
  int64_t n = t.getShape().back();
  return !ShapedType::isDynamic(n) && n == result.getShape().back();
}

/// The epilogue after `value`: a feature bias Add, then an activation, each optional and
/// each the sole user of what it consumes. `last` is the final value of the chain.
struct Epilogue {
  Value bias;
  tfm::Activation activation = tfm::Activation::none;
  Value last;
};

Epilogue matchEpilogue(Value value, bool allowBias) {
  Epilogue e{Value(), tfm::Activation::none, value};
  auto type = rankedType(value);
  if (auto add = dyn_cast_or_null<onnx::AddOp>(soleUser(value));
      allowBias && add && add.getType() == value.getType()) {
    Value other = otherOperand(add, value);
    if (isFeatureBias(other, type))
      e.bias = other, e.last = add.getResult();
  }
  Operation *user = soleUser(e.last);
  if (auto gelu = dyn_cast_or_null<tfm::GeluOp>(user)) {
    e.activation = gelu.getApproximation() == tfm::GeluApproximation::tanh
                       ? tfm::Activation::gelu_tanh
                       : tfm::Activation::gelu;
    e.last = gelu.getResult();
  } else if (auto relu = dyn_cast_or_null<onnx::ReluOp>(user)) {
    e.activation = tfm::Activation::relu, e.last = relu.getResult();
  } else if (!e.last.hasOneUse() && llvm::range_size(e.last.getUses()) == 2) {
    // silu: Mul(v, Sigmoid(v)), v used by exactly those two.
    onnx::SigmoidOp sigmoid;
    onnx::MulOp mul;
    for (Operation *u : e.last.getUsers()) {
      if (auto s = dyn_cast<onnx::SigmoidOp>(u))
        sigmoid = s;
      else if (auto m = dyn_cast<onnx::MulOp>(u))
        mul = m;
    }
    if (sigmoid && mul && sigmoid->hasOneUse() &&
        otherOperand(mul, e.last) == sigmoid.getResult() && mul.getType() == value.getType())
      e.activation = tfm::Activation::silu, e.last = mul.getResult();
  }
  return e;
}

Value createMatmul(PatternRewriter &rewriter, Operation *anchor, Value lhs, Value rhs,
                   const Epilogue &e, bool transposeRhs) {
  SmallVector<NamedAttribute> attrs;
  if (transposeRhs)
    attrs.push_back(rewriter.getNamedAttr("transpose_rhs", rewriter.getUnitAttr()));
  if (e.activation != tfm::Activation::none)
    attrs.push_back(rewriter.getNamedAttr(
        "activation", tfm::ActivationAttr::get(rewriter.getContext(), e.activation)));
  SmallVector<Value> operands = {lhs, rhs};
  if (e.bias)
    operands.push_back(e.bias);
  rewriter.setInsertionPointAfterValue(e.last);
  return tfm::MatmulOp::create(rewriter, anchor->getLoc(), TypeRange{e.last.getType()},
                               operands, attrs)
      .getResult();
}

struct EpilogueFromMatMul : OpRewritePattern<onnx::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::MatMulOp mm, PatternRewriter &rewriter) const override {
    auto a = rankedType(mm.getA()), b = rankedType(mm.getB()), y = rankedType(mm.getY());
    if (!a || !b || !y || a.getRank() < 2 || b.getRank() < 2 || !isa<FloatType>(y.getElementType()))
      return failure();
    Epilogue e = matchEpilogue(mm.getY(), /*allowBias=*/true);
    if (!e.bias && e.activation == tfm::Activation::none)
      return failure();
    Value out = createMatmul(rewriter, mm, mm.getA(), mm.getB(), e, /*transposeRhs=*/false);
    rewriter.replaceAllUsesWith(e.last, out);
    return success();
  }
};

struct EpilogueFromGemm : OpRewritePattern<onnx::GemmOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::GemmOp gemm, PatternRewriter &rewriter) const override {
    auto y = rankedType(gemm.getY());
    if (!y || !isa<FloatType>(y.getElementType()) || gemm.getTransA() ||
        !gemm.getAlpha().isExactlyValue(1.0) ||
        (gemm.getC() && !gemm.getBeta().isExactlyValue(1.0)) ||
        (gemm.getC() && !isFeatureBias(gemm.getC(), y)))
      return failure();
    Epilogue e = matchEpilogue(gemm.getY(), /*allowBias=*/!gemm.getC());
    if (gemm.getC())
      e.bias = gemm.getC();
    Value out = createMatmul(rewriter, gemm, gemm.getA(), gemm.getB(), e, gemm.getTransB() != 0);
    rewriter.replaceAllUsesWith(e.last, out);
    return success();
  }
};

struct RaiseMatmulEpiloguePass : kiln::impl::RaiseMatmulEpilogueBase<RaiseMatmulEpiloguePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<EpilogueFromMatMul, EpilogueFromGemm>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
