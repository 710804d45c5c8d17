//===- DiagonalMask.cpp - masks that follow a diagonal --------------------===//

#include "passes/Fusion/DiagonalMask.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/ShapeHelpers.h"
#include "dialects/ONNX/SymbolicDims.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::fusion;
using onnx::getConstantDense;
using onnx::getConstantInts;
using onnx::normalizeAxis;

namespace {

/// Masks are built by a handful of ops; deeper chains are not masks.
constexpr int kMaxDepth = 24;
/// Constant mask buffers larger than this are not scanned.
constexpr int64_t kMaxScannedElements = int64_t(1) << 22;

int64_t rankOf(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t ? t.getRank() : -1;
}

double elementAt(DenseElementsAttr attr, int64_t index) {
  if (isa<FloatType>(attr.getElementType()))
    return attr.getValues<APFloat>()[index].convertToDouble();
  APInt v = attr.getValues<APInt>()[index];
  return attr.getElementType().isInteger(1) ? double(v.getBoolValue())
                                            : double(v.getSExtValue());
}

/// `value` converted to `type` as Cast does (to bool: nonzero).
double castTo(double value, Type type) {
  if (type.isInteger(1))
    return value != 0;
  if (type.isInteger())
    return std::trunc(value);
  return value;
}

Type elementTypeOf(Value v) { return cast<ShapedType>(v.getType()).getElementType(); }

/// The single value of a tensor filled with one value (a splat, ConstantOfShape, Expand of a
/// one-element constant).
std::optional<double> uniformValue(Value v) {
  if (DenseElementsAttr attr = getConstantDense(v)) {
    if (!attr.isSplat() || !(attr.getElementType().isIntOrFloat()))
      return std::nullopt;
    return elementAt(attr, 0);
  }
  if (auto fill = v.getDefiningOp<onnx::ConstantOfShapeOp>()) {
    if (!fill.getValue())
      return 0.0;
    auto attr = dyn_cast<DenseElementsAttr>(*fill.getValue());
    if (!attr || attr.getNumElements() != 1)
      return std::nullopt;
    return elementAt(attr, 0);
  }
  if (auto expand = v.getDefiningOp<onnx::ExpandOp>())
    return uniformValue(expand.getInput());
  if (auto cast = v.getDefiningOp<onnx::CastOp>()) {
    std::optional<double> x = uniformValue(cast.getInput());
    return x ? std::optional(castTo(*x, elementTypeOf(cast.getOutput()))) : std::nullopt;
  }
  return std::nullopt;
}

/// A constant whose leading dims are all 1 and whose last two follow a diagonal.
std::optional<DiagonalMask> scanConstant(DenseElementsAttr attr) {
  auto type = cast<ShapedType>(attr.getType());
  if (type.getRank() < 2 || attr.isSplat() || !type.getElementType().isIntOrFloat() ||
      type.getNumElements() > kMaxScannedElements)
    return std::nullopt;
  for (int64_t d : type.getShape().drop_back(2))
    if (d != 1)
      return std::nullopt;
  int64_t n = type.getDimSize(type.getRank() - 2), m = type.getDimSize(type.getRank() - 1);
  auto at = [&](int64_t i, int64_t j) { return elementAt(attr, i * m + j); };
  // The first row with both values fixes the diagonal: row i holds `inside` up to column
  // i + diagonal.
  std::optional<DiagonalMask> result;
  for (int64_t i : {int64_t(0), n - 1}) {
    for (int64_t j = 1; j < m && !result; ++j)
      if (at(i, j) != at(i, 0))
        result = DiagonalMask{j - 1 - i, at(i, 0), at(i, j)};
    if (result)
      break;
  }
  if (!result)
    return std::nullopt;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      if (at(i, j) != (j - i <= result->diagonal ? result->inside : result->outside))
        return std::nullopt;
  return result;
}

/// A 1-D run of indices `start + p` laid along one of the last two dims of a mask: `fromEnd`
/// is 0 for the column index j, 1 for the row index i.
struct IndexVector {
  int64_t fromEnd = 0;
  int64_t offset = 0;
};

std::optional<IndexVector> matchIndexVector(Value v, int depth) {
  if (depth > kMaxDepth)
    return std::nullopt;
  Operation *def = v.getDefiningOp();
  if (auto range = dyn_cast_or_null<onnx::RangeOp>(def)) {
    auto start = getConstantInts(range.getStart());
    auto delta = getConstantInts(range.getDelta());
    if (!start || !delta || start->size() != 1 || delta->size() != 1 || (*delta)[0] != 1)
      return std::nullopt;
    return IndexVector{0, (*start)[0]};
  }
  if (isa_and_nonnull<onnx::CastOp>(def) && elementTypeOf(v).isInteger() &&
      elementTypeOf(def->getOperand(0)).isInteger())
    return matchIndexVector(def->getOperand(0), depth + 1);
  if (isa_and_nonnull<onnx::AddOp, onnx::SubOp>(def)) {
    for (int i = 0; i < 2; ++i) {
      auto c = getConstantInts(def->getOperand(1 - i));
      if (!c || c->size() != 1 || (isa<onnx::SubOp>(def) && i == 1))
        continue;
      std::optional<IndexVector> x = matchIndexVector(def->getOperand(i), depth + 1);
      if (x && rankOf(def->getOperand(i)) == rankOf(v))
        return IndexVector{x->fromEnd, x->offset + (isa<onnx::SubOp>(def) ? -(*c)[0] : (*c)[0])};
    }
    return std::nullopt;
  }
  // Unsqueeze and Reshape only place the run (a run already placed in a higher rank moves
  // along): every other dim of the result is 1, so its one other dim holds the run.
  if (isa_and_nonnull<onnx::UnsqueezeOp, onnx::ReshapeOp>(def)) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    std::optional<IndexVector> x = matchIndexVector(def->getOperand(0), depth + 1);
    if (!type || !x)
      return std::nullopt;
    int64_t along = -1;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (type.getDimSize(d) == 1)
        continue;
      if (along >= 0)
        return std::nullopt;
      along = d;
    }
    if (along < 0)
      return std::nullopt;
    return IndexVector{type.getRank() - 1 - along, x->offset};
  }
  return std::nullopt;
}

/// Less/LessOrEqual/Greater/GreaterOrEqual of a row and a column index run.
std::optional<DiagonalMask> compareIndices(Operation *cmp, int depth) {
  Value a = cmp->getOperand(0), b = cmp->getOperand(1);
  bool orEqual = isa<onnx::LessOrEqualOp, onnx::GreaterOrEqualOp>(cmp);
  if (isa<onnx::GreaterOp, onnx::GreaterOrEqualOp>(cmp))
    std::swap(a, b); // now a < b (or <=)
  std::optional<IndexVector> va = matchIndexVector(a, depth + 1);
  std::optional<IndexVector> vb = matchIndexVector(b, depth + 1);
  if (!va || !vb || va->fromEnd + vb->fromEnd != 1)
    return std::nullopt;
  int64_t strict = orEqual ? 0 : 1;
  if (va->fromEnd == 0) // j + oa < (or <=) i + ob  <=>  j - i <= ob - oa - strict
    return DiagonalMask{vb->offset - va->offset - strict, 1, 0};
  // i + oa < (or <=) j + ob  <=>  not (j - i <= oa - ob - 1 + strict)
  return DiagonalMask{va->offset - vb->offset - 1 + strict, 0, 1};
}

std::optional<DiagonalMask> match(Value v, int depth);

/// The diagonal form of `v` when `v` is a mask operand and `c` a scalar constant in `op`.
std::optional<std::pair<DiagonalMask, double>> maskAndScalar(Operation *op, int depth,
                                                             bool &maskFirst) {
  for (int i = 0; i < 2; ++i) {
    std::optional<double> c = uniformValue(op->getOperand(1 - i));
    if (!c || rankOf(op->getOperand(1 - i)) > rankOf(op->getResult(0)))
      continue;
    if (std::optional<DiagonalMask> m = match(op->getOperand(i), depth + 1)) {
      maskFirst = i == 0;
      return std::pair(*m, *c);
    }
  }
  return std::nullopt;
}

std::optional<DiagonalMask> match(Value v, int depth) {
  if (depth > kMaxDepth || rankOf(v) < 2)
    return std::nullopt;
  if (DenseElementsAttr attr = getConstantDense(v))
    return scanConstant(attr);
  Operation *def = v.getDefiningOp();
  if (!def)
    return std::nullopt;

  if (auto trilu = dyn_cast<onnx::TriluOp>(def)) {
    std::optional<double> fill = uniformValue(trilu.getInput());
    int64_t k = 0;
    if (trilu.getK()) {
      auto ks = getConstantInts(trilu.getK());
      if (!ks || ks->size() != 1)
        return std::nullopt;
      k = (*ks)[0];
    }
    if (!fill)
      return std::nullopt;
    // Lower keeps j - i <= k; upper keeps j - i >= k, i.e. zeroes j - i <= k - 1.
    return trilu.getUpper() ? DiagonalMask{k - 1, 0, *fill} : DiagonalMask{k, *fill, 0};
  }
  if (auto slice = dyn_cast<onnx::SliceOp>(def)) {
    std::optional<DiagonalMask> m = match(slice.getData(), depth + 1);
    auto starts = getConstantInts(slice.getStarts());
    auto type = dyn_cast<RankedTensorType>(slice.getData().getType());
    if (!m || !starts || !type)
      return std::nullopt;
    SmallVector<int64_t> axes, steps(starts->size(), 1);
    if (slice.getAxes()) {
      auto a = getConstantInts(slice.getAxes());
      if (!a)
        return std::nullopt;
      axes = *a;
    } else {
      axes = llvm::to_vector(llvm::seq<int64_t>(0, (int64_t)starts->size()));
    }
    if (slice.getSteps()) {
      auto s = getConstantInts(slice.getSteps());
      if (!s)
        return std::nullopt;
      steps = *s;
    }
    if (axes.size() != starts->size() || steps.size() != starts->size())
      return std::nullopt;
    int64_t rank = type.getRank();
    for (auto [a, start, step] : llvm::zip(axes, *starts, steps)) {
      std::optional<int64_t> axis = normalizeAxis(a, rank);
      if (!axis)
        return std::nullopt;
      if (*axis < rank - 2)
        continue;
      int64_t size = type.getDimSize(*axis);
      if (step != 1 || (start < 0 && ShapedType::isDynamic(size)))
        return std::nullopt;
      start = start < 0 ? std::max<int64_t>(0, start + size) : start;
      if (!ShapedType::isDynamic(size))
        start = std::min(start, size);
      // Row i of the slice is row i + start: j - (i + s) <= d  <=>  j - i <= d + s.
      m->diagonal += *axis == rank - 2 ? start : -start;
    }
    return m;
  }
  // Ops that keep the last two dims: broadcasting and unit leading dims.
  if (isa<onnx::UnsqueezeOp, onnx::ExpandOp, onnx::ReshapeOp, onnx::IdentityOp>(def)) {
    Value input = def->getOperand(0);
    int64_t r = rankOf(v), ri = rankOf(input);
    if (ri < 2 || r < 2)
      return std::nullopt;
    for (int64_t k = 1; k <= 2; ++k) {
      auto inType = cast<RankedTensorType>(input.getType());
      if (inType.getDimSize(ri - k) == 1 ||
          !onnx::dimsKnownEqual(onnx::DimValue{onnx::kDynamic, v, r - k},
                                onnx::DimValue{onnx::kDynamic, input, ri - k}))
        return std::nullopt;
    }
    return match(input, depth + 1);
  }
  if (auto cast = dyn_cast<onnx::CastOp>(def)) {
    std::optional<DiagonalMask> m = match(cast.getInput(), depth + 1);
    Type to = elementTypeOf(v);
    return m ? std::optional(DiagonalMask{m->diagonal, castTo(m->inside, to),
                                          castTo(m->outside, to)})
             : std::nullopt;
  }
  if (auto notOp = dyn_cast<onnx::NotOp>(def)) {
    std::optional<DiagonalMask> m = match(notOp.getX(), depth + 1);
    return m ? std::optional(DiagonalMask{m->diagonal, double(m->inside == 0),
                                          double(m->outside == 0)})
             : std::nullopt;
  }
  if (auto where = dyn_cast<onnx::WhereOp>(def)) {
    std::optional<DiagonalMask> m = match(where.getCondition(), depth + 1);
    std::optional<double> x = uniformValue(where.getX()), y = uniformValue(where.getY());
    if (!m || !x || !y || rankOf(where.getX()) > rankOf(v) || rankOf(where.getY()) > rankOf(v))
      return std::nullopt;
    return DiagonalMask{m->diagonal, m->inside != 0 ? *x : *y, m->outside != 0 ? *x : *y};
  }
  if (isa<onnx::LessOp, onnx::LessOrEqualOp, onnx::GreaterOp, onnx::GreaterOrEqualOp>(def))
    return compareIndices(def, depth);
  if (isa<onnx::EqualOp, onnx::AddOp, onnx::SubOp, onnx::MulOp>(def)) {
    bool maskFirst = true;
    auto mc = maskAndScalar(def, depth, maskFirst);
    if (!mc)
      return std::nullopt;
    DiagonalMask m = mc->first;
    double c = mc->second;
    auto apply = [&](double x) -> double {
      if (isa<onnx::EqualOp>(def))
        return x == c;
      if (isa<onnx::AddOp>(def))
        return x + c;
      if (isa<onnx::MulOp>(def))
        return x * c;
      return maskFirst ? x - c : c - x;
    };
    return DiagonalMask{m.diagonal, apply(m.inside), apply(m.outside)};
  }
  return std::nullopt;
}

} // namespace

std::optional<DiagonalMask> kiln::fusion::matchDiagonalMask(Value mask) {
  std::optional<DiagonalMask> m = match(mask, 0);
  if (!m || m->inside == m->outside || std::isnan(m->inside) || std::isnan(m->outside))
    return std::nullopt;
  return m;
}
