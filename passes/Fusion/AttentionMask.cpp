//===- AttentionMask.cpp - an attention mask as positions + residual ------===//

#include "passes/Fusion/AttentionMask.h"

#include "passes/Fusion/DiagonalMask.h"
#include "passes/Fusion/FusionUtils.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/ShapeHelpers.h"
#include "dialects/ONNX/SymbolicDims.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::fusion;

namespace {

/// Conjunctions nest only so deep in real masks.
constexpr int kMaxConjuncts = 32;

Type elementTypeOf(Value v) { return cast<ShapedType>(v.getType()).getElementType(); }

/// The single value of a constant splat (or ConstantOfShape fill), if `v` is one.
std::optional<double> splatValue(Value v) {
  DenseElementsAttr attr = onnx::getConstantDense(v);
  if (auto fill = v.getDefiningOp<onnx::ConstantOfShapeOp>())
    attr = fill.getValue() ? dyn_cast<DenseElementsAttr>(*fill.getValue()) : DenseElementsAttr();
  if (!attr || !attr.isSplat())
    return std::nullopt;
  if (isa<FloatType>(attr.getElementType()))
    return attr.getSplatValue<APFloat>().convertToDouble();
  if (attr.getElementType().isInteger(1))
    return double(attr.getSplatValue<bool>());
  if (isa<IntegerType>(attr.getElementType()))
    return double(attr.getSplatValue<APInt>().getSExtValue());
  return std::nullopt;
}

/// Whether `v` is a 1-D arange (start 0 or more, step 1) laid along one dim (the others 1):
/// such an index is never negative.
bool isNonNegativeIndexRun(Value v, int depth = 0) {
  if (depth > 8)
    return false;
  Operation *def = v.getDefiningOp();
  if (auto range = dyn_cast_or_null<onnx::RangeOp>(def)) {
    auto start = onnx::getConstantInts(range.getStart());
    auto delta = onnx::getConstantInts(range.getDelta());
    return start && delta && start->size() == 1 && delta->size() == 1 && (*start)[0] >= 0 &&
           (*delta)[0] > 0;
  }
  if (isa_and_nonnull<onnx::UnsqueezeOp, onnx::ReshapeOp, onnx::ExpandOp, onnx::CastOp>(def) &&
      isa<IntegerType>(elementTypeOf(v)))
    return isNonNegativeIndexRun(def->getOperand(0), depth + 1);
  return false;
}

/// `index >= c` (or `c <= index`, `index > c` with c < 0) for a non-negative index run and a
/// constant c <= 0: always true (transformers' `kv_idx >= 0`).
bool isTriviallyTrue(Value v) {
  if (std::optional<double> c = splatValue(v))
    return *c != 0;
  Operation *def = v.getDefiningOp();
  if (!def || def->getNumOperands() != 2)
    return false;
  Value a = def->getOperand(0), b = def->getOperand(1);
  bool strict = isa<onnx::GreaterOp, onnx::LessOp>(def);
  if (isa<onnx::LessOp, onnx::LessOrEqualOp>(def))
    std::swap(a, b); // now a >= b (or a > b)
  else if (!isa<onnx::GreaterOp, onnx::GreaterOrEqualOp>(def))
    return false;
  std::optional<double> c = splatValue(b);
  return c && (strict ? *c < 0 : *c <= 0) && isNonNegativeIndexRun(a);
}

/// Whether `v` does not vary with the query position: its query dim (second to last) is 1.
bool isQueryIndependent(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getRank() >= 2 && t.getDimSize(t.getRank() - 2) == 1;
}

/// Splits `v` at And ops into `terms`, looking through bool-to-bool Casts and Expands (a
/// broadcast keeps every term's value at each position; the terms broadcast the same way).
bool splitConjuncts(Value v, SmallVectorImpl<Value> &terms) {
  if (terms.size() > kMaxConjuncts)
    return false;
  if (auto andOp = v.getDefiningOp<onnx::AndOp>())
    return splitConjuncts(andOp.getA(), terms) && splitConjuncts(andOp.getB(), terms);
  if (auto expand = v.getDefiningOp<onnx::ExpandOp>())
    return splitConjuncts(expand.getInput(), terms);
  if (auto cast = v.getDefiningOp<onnx::CastOp>();
      cast && elementTypeOf(cast.getInput()).isInteger(1))
    return splitConjuncts(cast.getInput(), terms);
  terms.push_back(v);
  return true;
}

} // namespace

std::optional<KeepMaskTerms> kiln::fusion::decomposeKeepMask(Value mask) {
  if (!elementTypeOf(mask).isInteger(1))
    return std::nullopt;
  SmallVector<Value> terms;
  if (!splitConjuncts(mask, terms))
    return std::nullopt;
  KeepMaskTerms result;
  for (Value term : terms) {
    if (isTriviallyTrue(term))
      continue;
    if (std::optional<DiagonalMask> d = matchDiagonalMask(term)) {
      // Kept where j - i <= diagonal (inside) or where it is above (outside).
      if (d->inside != 0 && d->outside == 0)
        result.hi = result.hi ? std::min(*result.hi, d->diagonal) : d->diagonal;
      else if (d->inside == 0 && d->outside != 0)
        result.lo = result.lo ? std::max(*result.lo, d->diagonal + 1) : d->diagonal + 1;
      else
        return std::nullopt;
      continue;
    }
    if (isQueryIndependent(term)) {
      result.residual.push_back(term);
      continue;
    }
    return std::nullopt;
  }
  return result;
}

namespace {

/// The boolean keep condition of an additive float mask Where(keep, 0, -big), else null.
Value keepConditionOfAdditiveMask(Value mask) {
  auto where = mask.getDefiningOp<onnx::WhereOp>();
  if (!where || !isa<FloatType>(elementTypeOf(mask)))
    return nullptr;
  std::optional<double> x = splatValue(where.getX()), y = splatValue(where.getY());
  return x && y && *x == 0 && *y <= -1e4 ? where.getCondition() : Value();
}

} // namespace

std::optional<MaskAttributes> kiln::fusion::maskAsAttributes(Value mask, onnx::DimValue querySeq,
                                                             onnx::DimValue keySeq) {
  Value keep = elementTypeOf(mask).isInteger(1) ? mask : keepConditionOfAdditiveMask(mask);
  std::optional<KeepMaskTerms> terms = keep ? decomposeKeepMask(keep) : std::nullopt;
  if (!terms)
    return std::nullopt;
  MaskAttributes result;
  result.residual = terms->residual;
  if (!terms->hi)
    return terms->lo ? std::nullopt : std::optional(result);
  onnx::DimValue rq = onnx::getDimRoot(querySeq), rk = onnx::getDimRoot(keySeq);
  bool bottomRight = (*terms->hi == 0 && onnx::dimsKnownEqual(querySeq, keySeq)) ||
                     (rq.isStatic() && rk.isStatic() && *terms->hi == rk.value - rq.value);
  if (!bottomRight || (terms->lo && *terms->lo > *terms->hi))
    return std::nullopt;
  result.causal = true;
  if (terms->lo)
    result.window = *terms->hi - *terms->lo + 1;
  return result;
}

Value kiln::fusion::buildConjunction(OpBuilder &b, Location loc, ArrayRef<Value> terms) {
  Value all = terms.front();
  for (Value term : terms.drop_front())
    all = createInferred<onnx::AndOp>(b, loc, b.getI1Type(), all, term);
  return all;
}
