//===- RaiseGelu.cpp - kiln-raise-gelu ------------------------------------===//
//
// GELU reaches Kiln as an op (onnx.Gelu, com.microsoft Gelu / FastGelu / BiasGelu) or spelled
// out by the exporter in either of its two forms, with the factors in any order and position:
//
//   erf:  0.5 · x · (1 + erf(x / √2))                      (x·0.7071, (0.5·x)·(…), (x·(…))/2)
//   tanh: 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))   (x³ as Pow(x, 3) or x·x·x)
//
// The matcher is anchored on the Erf / Tanh: it checks the argument, then follows the single
// use chain through `1 + …` and the multiplications, accumulating scalar factors and requiring
// exactly one factor x, until the product is 0.5 · x · (1 + …). Everything becomes tfm.gelu.
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionUtils.h"
#include "passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace kiln {
#define GEN_PASS_DEF_RAISEGELU
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::fusion;

namespace {

/// From `onePlus` (= 1 + erf/tanh(…)), the op whose result is 0.5 · x · onePlus, following
/// single uses through Mul by x or by scalars and Div by scalars; nullptr if there is none.
Operation *findHalfXProduct(Value onePlus, Value x) {
  double factor = 1.0;
  bool haveX = false;
  Value current = onePlus;
  for (int step = 0; step < 4; ++step) {
    Operation *user = soleUser(current);
    if (auto div = dyn_cast_or_null<onnx::DivOp>(user)) {
      std::optional<double> c = scalarConstant(div.getB());
      if (div.getA() != current || !c || *c == 0)
        return nullptr;
      factor /= *c;
    } else if (auto mul = dyn_cast_or_null<onnx::MulOp>(user)) {
      Value other = otherOperand(mul, current);
      double f = 1.0;
      Value base = other == x ? x : peelScalarFactors(other, f);
      if (std::optional<double> c = scalarConstant(other))
        factor *= *c;
      else if (base == x && !haveX)
        haveX = true, factor *= f;
      else
        return nullptr;
    } else {
      return nullptr;
    }
    current = user->getResult(0);
    if (haveX && approxEqual(factor, 0.5))
      return user;
  }
  return nullptr;
}

/// `1 + v` through v's single use, either operand order.
Value onePlus(Value v) {
  auto add = dyn_cast_or_null<onnx::AddOp>(soleUser(v));
  if (!add || !isScalar(otherOperand(add, v), 1.0))
    return {};
  return add.getResult();
}

LogicalResult replaceByGelu(PatternRewriter &rewriter, Operation *anchor, Operation *root,
                            Value x, tfm::GeluApproximation approximation) {
  if (root->getResult(0).getType() != x.getType())
    return rewriter.notifyMatchFailure(anchor, "the product's type differs from the input's");
  auto attr = tfm::GeluApproximationAttr::get(rewriter.getContext(), approximation);
  Value gelu = tfm::GeluOp::create(rewriter, root->getLoc(), x.getType(), x, attr);
  rewriter.replaceOp(root, gelu);
  return success();
}

struct GeluFromErf : OpRewritePattern<onnx::ErfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::ErfOp erf, PatternRewriter &rewriter) const override {
    double scale = 1.0;
    Value x = peelScalarFactors(erf.getInput(), scale);
    if (!approxEqual(scale, M_SQRT1_2))
      return rewriter.notifyMatchFailure(erf, "the argument is not x / sqrt(2)");
    Value sum = onePlus(erf.getResult());
    if (!sum)
      return rewriter.notifyMatchFailure(erf, "erf(...) is not followed by + 1");
    Operation *root = findHalfXProduct(sum, x);
    if (!root)
      return rewriter.notifyMatchFailure(erf, "(1 + erf(...)) is not multiplied by 0.5 * x");
    return replaceByGelu(rewriter, erf, root, x, tfm::GeluApproximation::none);
  }
};

/// x³ as Pow(x, 3), x·x·x in either association, or x·(x·x).
bool isCube(Value v, Value x) {
  Operation *def = v.getDefiningOp();
  if (auto pow = dyn_cast_or_null<onnx::PowOp>(def))
    return pow.getX() == x && isScalar(pow.getY(), 3.0);
  auto mul = dyn_cast_or_null<onnx::MulOp>(def);
  if (!mul)
    return false;
  auto isSquare = [&](Value s) {
    auto sq = s.getDefiningOp<onnx::MulOp>();
    return sq && sq.getA() == x && sq.getB() == x;
  };
  return (mul.getA() == x && isSquare(mul.getB())) || (mul.getB() == x && isSquare(mul.getA()));
}

/// x² as Pow(x, 2) or x·x.
bool isSquare(Value v, Value x) {
  if (auto pow = v.getDefiningOp<onnx::PowOp>())
    return pow.getX() == x && isScalar(pow.getY(), 2.0);
  auto mul = v.getDefiningOp<onnx::MulOp>();
  return mul && mul.getA() == x && mul.getB() == x;
}

/// The factors of a product: scalar constants multiplied into `scale` (through Mul and Div by
/// a scalar), the rest appended to `factors`. Intermediates must have a single use.
void flattenProduct(Value v, double &scale, SmallVectorImpl<Value> &factors, int depth = 0) {
  v = peelScalarFactors(v, scale);
  auto mul = v.getDefiningOp<onnx::MulOp>();
  if (!mul || depth > 4 || !v.hasOneUse()) {
    factors.push_back(v);
    return;
  }
  flattenProduct(mul.getA(), scale, factors, depth + 1);
  flattenProduct(mul.getB(), scale, factors, depth + 1);
}

/// Whether `v` is c · x^degree for the x given, any factoring and association (x·x·x,
/// x·(x·x), Pow(x, 3), (c·x)·x, ...), with c multiplied into `c`.
bool isMonomial(Value v, Value x, int degree, double &c) {
  SmallVector<Value> factors;
  flattenProduct(v, c, factors);
  int total = 0;
  for (Value f : factors) {
    if (f == x)
      total += 1;
    else if (isSquare(f, x))
      total += 2;
    else if (isCube(f, x))
      total += 3;
    else
      return false;
  }
  return total == degree;
}

/// The x of tanh's argument when it is sqrt(2/pi) * (x + 0.044715 * x^3) or its factored form
/// sqrt(2/pi) * x * (1 + 0.044715 * x^2) (Bloom, GPT-J's `gelu_new` variants), factors in any
/// order and association.
Value tanhGeluInput(Value argument) {
  double scale = 1.0;
  SmallVector<Value> factors;
  flattenProduct(argument, scale, factors);
  if (!approxEqual(scale, std::sqrt(2.0 / M_PI)))
    return nullptr;
  auto addTerms = [](Value v) -> std::optional<std::pair<Value, Value>> {
    auto add = v.getDefiningOp<onnx::AddOp>();
    if (!add)
      return std::nullopt;
    return std::pair(add.getA(), add.getB());
  };
  if (factors.size() == 1) {
    auto terms = addTerms(factors[0]);
    if (!terms)
      return nullptr;
    for (auto [x, cubic] : {*terms, std::pair(terms->second, terms->first)}) {
      double c = 1.0;
      if (isMonomial(cubic, x, 3, c) && approxEqual(c, 0.044715))
        return x;
    }
    return nullptr;
  }
  if (factors.size() != 2)
    return nullptr;
  for (auto [x, sum] : {std::pair(factors[0], factors[1]), std::pair(factors[1], factors[0])}) {
    auto terms = addTerms(sum);
    if (!terms)
      continue;
    for (auto [one, quadratic] : {*terms, std::pair(terms->second, terms->first)}) {
      double c = 1.0;
      if (isScalar(one, 1.0) && isMonomial(quadratic, x, 2, c) && approxEqual(c, 0.044715))
        return x;
    }
  }
  return nullptr;
}

struct GeluFromTanh : OpRewritePattern<onnx::TanhOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::TanhOp tanh, PatternRewriter &rewriter) const override {
    Value x = tanhGeluInput(tanh.getInput());
    if (!x)
      return rewriter.notifyMatchFailure(tanh, "the argument is not sqrt(2/pi) * (x + 0.044715 "
                                               "* x^3) in any factoring");
    Value sum = onePlus(tanh.getResult());
    if (!sum)
      return rewriter.notifyMatchFailure(tanh, "tanh(...) is not followed by + 1");
    Operation *root = findHalfXProduct(sum, x);
    if (!root)
      return rewriter.notifyMatchFailure(tanh, "(1 + tanh(...)) is not multiplied by 0.5 * x");
    return replaceByGelu(rewriter, tanh, root, x, tfm::GeluApproximation::tanh);
  }
};

/// onnx.Gelu (opset 20), com.microsoft Gelu (erf) and FastGelu (tanh, optional bias), and
/// BiasGelu (erf of A + B).
template <typename OpTy>
struct GeluOpToTFM : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0);
    auto approximation = tfm::GeluApproximation::none;
    if constexpr (std::is_same_v<OpTy, onnx::GeluOp>) {
      if (op.getApproximate() == "tanh")
        approximation = tfm::GeluApproximation::tanh;
      else if (op.getApproximate() != "none")
        return rewriter.notifyMatchFailure(op, "unknown approximation");
    }
    if constexpr (std::is_same_v<OpTy, onnx::MSFastGeluOp>)
      approximation = tfm::GeluApproximation::tanh;
    if (op->getNumOperands() == 2)
      x = onnx::AddOp::create(rewriter, op.getLoc(), op->getResult(0).getType(), x,
                              op->getOperand(1));
    if (x.getType() != op->getResult(0).getType())
      return rewriter.notifyMatchFailure(op, "the result type differs from the input's");
    auto attr = tfm::GeluApproximationAttr::get(rewriter.getContext(), approximation);
    rewriter.replaceOpWithNewOp<tfm::GeluOp>(op, x.getType(), x, attr);
    return success();
  }
};

struct RaiseGeluPass : kiln::impl::RaiseGeluBase<RaiseGeluPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<GeluFromErf, GeluFromTanh, GeluOpToTFM<onnx::GeluOp>,
                 GeluOpToTFM<onnx::MSGeluOp>, GeluOpToTFM<onnx::MSFastGeluOp>,
                 GeluOpToTFM<onnx::MSBiasGeluOp>>(&getContext());
    if (failed(applyAndRecordMisses(getOperation(), std::move(patterns), [](Operation *op) {
          return isa<onnx::ErfOp, onnx::TanhOp>(op);
        })))
      signalPassFailure();
  }
};

} // namespace
