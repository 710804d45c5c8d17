//===- RaiseNormalization.cpp - kiln-raise-normalization ------------------===//
//
// Layer and RMS normalisation as ops (LayerNormalization, RMSNormalization,
// com.microsoft SimplifiedLayerNormalization and SkipLayerNormalization) and as the
// exporters' decompositions, anchored on the first ReduceMean over the trailing dims:
//
//   layer norm: d = x - mean(x); d / sqrt(mean(d²) + eps) [· scale] [+ bias]
//   rms norm:   x / sqrt(mean(x²) + eps) · scale     (or x · 1/sqrt(…), x · reciprocal(sqrt(…)))
//
// with d² as Pow(d, 2) or d · d, the division as Div or a multiplication by Reciprocal /
// 1 / s, and the scale and bias on either side. The statistics must only feed the
// normalisation (single uses), the reduced dims must be the trailing ones with keepdims.
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionUtils.h"
#include "passes/Passes.h"

#include "dialects/ONNX/ShapeHelpers.h"

namespace kiln {
#define GEN_PASS_DEF_RAISENORMALIZATION
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::fusion;

namespace {

/// The first reduced dim as a negative axis when `mean` reduces exactly the trailing dims
/// with keepdims, else nullopt.
std::optional<int64_t> trailingAxis(onnx::ReduceMeanOp mean) {
  auto type = dyn_cast<RankedTensorType>(mean.getData().getType());
  if (!type || !mean.getAxes() || mean.getKeepdims() != 1)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> axes = onnx::getConstantInts(mean.getAxes());
  if (!axes || axes->empty())
    return std::nullopt;
  int64_t rank = type.getRank();
  SmallVector<int64_t> sorted;
  for (int64_t a : *axes)
    sorted.push_back(a < 0 ? a + rank : a);
  llvm::sort(sorted);
  for (size_t i = 0; i < sorted.size(); ++i)
    if (sorted[i] != rank - int64_t(sorted.size()) + int64_t(i))
      return std::nullopt;
  return -int64_t(sorted.size());
}

/// Whether `param` can be a scale or bias of a norm of `input` over dims axis..: same element
/// type, and it broadcasts to those dims.
bool fitsNormalizedDims(Value param, Value input, int64_t axis) {
  auto p = dyn_cast<RankedTensorType>(param.getType());
  auto x = cast<RankedTensorType>(input.getType());
  if (!p || p.getElementType() != x.getElementType() || p.getRank() > -axis)
    return false;
  ArrayRef<int64_t> normalized = x.getShape().take_back(-axis);
  for (auto [pd, xd] : llvm::zip(llvm::reverse(p.getShape()), llvm::reverse(normalized)))
    if (pd != 1 && pd != xd && !ShapedType::isDynamic(pd) && !ShapedType::isDynamic(xd))
      return false;
  return true;
}

/// Whether `v` is `x²`: Pow(x, 2) or x · x.
bool isSquareOf(Value v, Value x) {
  if (auto pow = v.getDefiningOp<onnx::PowOp>())
    return pow.getX() == x && isScalar(pow.getY(), 2.0);
  auto mul = v.getDefiningOp<onnx::MulOp>();
  return mul && mul.getA() == x && mul.getB() == x;
}

/// sqrt(mean + eps) through single uses from `mean`: the Sqrt and epsilon, or nullptr.
onnx::SqrtOp sqrtOfPlusEpsilon(Value mean, double &epsilon) {
  auto add = dyn_cast_or_null<onnx::AddOp>(soleUser(mean));
  if (!add)
    return {};
  std::optional<double> eps = scalarConstant(otherOperand(add, mean));
  if (!eps)
    return {};
  epsilon = *eps;
  return dyn_cast_or_null<onnx::SqrtOp>(soleUser(add.getResult()));
}

/// The op computing `num / s` from the Sqrt `s`: Div(num, s), or num · r with r = 1 / s or
/// Reciprocal(s) (single uses). Sets `num`; nullptr when absent.
Operation *divisionBy(onnx::SqrtOp sqrt, Value &num) {
  Value s = sqrt.getResult();
  Operation *user = soleUser(s);
  if (auto div = dyn_cast_or_null<onnx::DivOp>(user)) {
    if (div.getB() != s)
      return nullptr;
    if (!isScalar(div.getA(), 1.0)) {
      num = div.getA();
      return div;
    }
    s = div.getResult(); // 1 / s
  } else if (auto rec = dyn_cast_or_null<onnx::ReciprocalOp>(user)) {
    s = rec.getResult();
  } else {
    return nullptr;
  }
  auto mul = dyn_cast_or_null<onnx::MulOp>(soleUser(s));
  if (!mul)
    return nullptr;
  num = otherOperand(mul, s);
  return mul;
}

/// The scale and (when `bias` is given) bias after the normalised value `n`: n · scale
/// [+ bias], either order; returns the last op, or nullptr without a scale or when its result
/// is not of the input's type.
Operation *scaleAndBias(Value n, Value input, int64_t axis, Value &scale, Value *bias) {
  auto mul = dyn_cast_or_null<onnx::MulOp>(soleUser(n));
  if (!mul || !fitsNormalizedDims(otherOperand(mul, n), input, axis))
    return nullptr;
  scale = otherOperand(mul, n);
  Operation *last = mul;
  if (auto add = dyn_cast_or_null<onnx::AddOp>(soleUser(mul.getResult())); add && bias) {
    Value b = otherOperand(add, mul.getResult());
    if (fitsNormalizedDims(b, input, axis)) {
      *bias = b;
      last = add;
    }
  }
  if (last->getResult(0).getType() != input.getType())
    return nullptr;
  return last;
}

struct DecomposedNorm : OpRewritePattern<onnx::ReduceMeanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::ReduceMeanOp mean,
                                PatternRewriter &rewriter) const override {
    std::optional<int64_t> axis = trailingAxis(mean);
    if (!axis)
      return rewriter.notifyMatchFailure(mean, "not a keepdims mean over the trailing dims");
    Value data = mean.getData();
    FloatAttr eps;
    double epsilon = 0;
    Value num, scale, bias;

    // RMS: the mean is of x² (x not itself centred: that is a layer norm's variance).
    Value squared;
    if (auto pow = data.getDefiningOp<onnx::PowOp>(); pow && isSquareOf(data, pow.getX()))
      squared = pow.getX();
    else if (auto mul = data.getDefiningOp<onnx::MulOp>(); mul && isSquareOf(data, mul.getA()))
      squared = mul.getA();
    if (squared) {
      Value x = squared;
      if (auto sub = x.getDefiningOp<onnx::SubOp>(); sub && sub.getB().getDefiningOp<onnx::ReduceMeanOp>())
        return rewriter.notifyMatchFailure(mean, "the variance of a layer norm");
      onnx::SqrtOp sqrt = sqrtOfPlusEpsilon(mean.getResult(), epsilon);
      Operation *div = sqrt ? divisionBy(sqrt, num) : nullptr;
      if (!div || num != x)
        return rewriter.notifyMatchFailure(mean, "mean(x^2) is not followed by x / sqrt(. + eps)");
      Operation *root = scaleAndBias(div->getResult(0), x, *axis, scale, nullptr);
      if (!root)
        return rewriter.notifyMatchFailure(mean, "x / sqrt(mean(x^2) + eps) has no scale");
      eps = rewriter.getF32FloatAttr(float(epsilon));
      rewriter.replaceOpWithNewOp<tfm::RMSNormOp>(root, x.getType(), x, scale,
                                                  rewriter.getI64IntegerAttr(*axis), eps);
      return success();
    }

    // Layer norm: the mean is of x, subtracted from x.
    Value x = data;
    onnx::SubOp centered;
    for (Operation *user : mean.getResult().getUsers())
      if (auto sub = dyn_cast<onnx::SubOp>(user); sub && sub.getA() == x)
        centered = sub;
    if (!centered || !mean.getResult().hasOneUse())
      return rewriter.notifyMatchFailure(mean, "mean(x) is not only subtracted from x");
    Value d = centered.getResult();
    onnx::ReduceMeanOp variance;
    for (Operation *user : d.getUsers())
      if (user->getNumResults() == 1 && isSquareOf(user->getResult(0), d))
        variance = dyn_cast_or_null<onnx::ReduceMeanOp>(soleUser(user->getResult(0)));
    if (!variance || trailingAxis(variance) != axis)
      return rewriter.notifyMatchFailure(mean, "no mean((x - mean)^2) over the same dims");
    onnx::SqrtOp sqrt = sqrtOfPlusEpsilon(variance.getResult(), epsilon);
    Operation *div = sqrt ? divisionBy(sqrt, num) : nullptr;
    if (!div || num != d)
      return rewriter.notifyMatchFailure(mean, "the variance is not followed by d / sqrt(. + eps)");
    for (Operation *user : d.getUsers())
      if (user != div && user != variance.getData().getDefiningOp())
        return rewriter.notifyMatchFailure(mean, "x - mean has other uses");
    Operation *root = scaleAndBias(div->getResult(0), x, *axis, scale, &bias);
    if (!root)
      return rewriter.notifyMatchFailure(mean, "the normalised value has no scale");
    eps = rewriter.getF32FloatAttr(float(epsilon));
    rewriter.replaceOpWithNewOp<tfm::LayerNormOp>(root, x.getType(), x, scale, bias,
                                                  rewriter.getI64IntegerAttr(*axis), eps);
    return success();
  }
};

/// LayerNormalization, and com.microsoft SkipLayerNormalization (a norm of input + skip
/// [+ bias]), whose statistics outputs are unused.
struct LayerNormOpToTFM : OpRewritePattern<onnx::LayerNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::LayerNormalizationOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getMean().use_empty() || !op.getInvStdDev().use_empty())
      return rewriter.notifyMatchFailure(op, "mean or inv_std_dev outputs are used");
    if (op.getX().getType() != op.getY().getType() ||
        !isa<RankedTensorType>(op.getX().getType()))
      return rewriter.notifyMatchFailure(op, "the result type differs from the input's");
    Value norm = tfm::LayerNormOp::create(rewriter, op.getLoc(), op.getY().getType(), op.getX(),
                                          op.getScale(), op.getB(), op.getAxisAttr(),
                                          op.getEpsilonAttr());
    rewriter.replaceAllUsesWith(op.getY(), norm);
    rewriter.eraseOp(op);
    return success();
  }
};

struct SkipLayerNormToTFM : OpRewritePattern<onnx::MSSkipLayerNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::MSSkipLayerNormalizationOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getMean().use_empty() || !op.getInvStdVar().use_empty())
      return rewriter.notifyMatchFailure(op, "mean or inv_std_var outputs are used");
    Type type = op.getOutput().getType();
    if (op.getInput().getType() != type || !isa<RankedTensorType>(type))
      return rewriter.notifyMatchFailure(op, "the result type differs from the input's");
    Location loc = op.getLoc();
    Value sum = onnx::AddOp::create(rewriter, loc, type, op.getInput(), op.getSkip());
    if (op.getBias())
      sum = onnx::AddOp::create(rewriter, loc, type, sum, op.getBias());
    Value norm = tfm::LayerNormOp::create(rewriter, loc, type, sum, op.getGamma(), op.getBeta(),
                                          rewriter.getI64IntegerAttr(-1), op.getEpsilonAttr());
    rewriter.replaceAllUsesWith(op.getOutput(), norm);
    rewriter.replaceAllUsesWith(op.getInputSkipBiasSum(), sum);
    rewriter.eraseOp(op);
    return success();
  }
};

/// RMSNormalization and com.microsoft SimplifiedLayerNormalization.
template <typename OpTy>
struct RMSNormOpToTFM : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    for (Value r : op->getResults().drop_front())
      if (!r.use_empty())
        return rewriter.notifyMatchFailure(op, "statistics outputs are used");
    Value y = op->getResult(0);
    if (op.getX().getType() != y.getType() || !isa<RankedTensorType>(y.getType()))
      return rewriter.notifyMatchFailure(op, "the result type differs from the input's");
    Value norm = tfm::RMSNormOp::create(rewriter, op.getLoc(), y.getType(), op.getX(),
                                        op.getScale(), op.getAxisAttr(), op.getEpsilonAttr());
    rewriter.replaceAllUsesWith(y, norm);
    rewriter.eraseOp(op);
    return success();
  }
};

struct RaiseNormalizationPass : kiln::impl::RaiseNormalizationBase<RaiseNormalizationPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposedNorm, LayerNormOpToTFM, SkipLayerNormToTFM,
                 RMSNormOpToTFM<onnx::RMSNormalizationOp>,
                 RMSNormOpToTFM<onnx::SimplifiedLayerNormalizationOp>>(&getContext());
    if (failed(applyAndRecordMisses(getOperation(), std::move(patterns), [](Operation *op) {
          return isa<onnx::ReduceMeanOp>(op);
        })))
      signalPassFailure();
  }
};

} // namespace
