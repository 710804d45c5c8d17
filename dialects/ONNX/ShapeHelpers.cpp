//===- ShapeHelpers.cpp - shape arithmetic for the onnx dialect -----------===//

#include "dialects/ONNX/ShapeHelpers.h"

#include "dialects/ONNX/ONNXDialect.h"

#include "mlir/IR/Matchers.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace kiln::onnx;

std::optional<Shape> kiln::onnx::getRankedShape(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return std::nullopt;
  return Shape(type.getShape());
}

Type kiln::onnx::getElementType(Value value) {
  return cast<ShapedType>(value.getType()).getElementType();
}

TensorType kiln::onnx::makeTensorType(std::optional<ArrayRef<int64_t>> shape, Type elementType) {
  if (!shape)
    return UnrankedTensorType::get(elementType);
  return RankedTensorType::get(*shape, elementType);
}

FailureOr<Shape> kiln::onnx::broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  Shape result(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == 1) {
      result[i] = db;
    } else if (db == 1) {
      result[i] = da;
    } else if (da == kDynamic) {
      result[i] = db;
    } else if (db == kDynamic || da == db) {
      result[i] = da;
    } else {
      return failure();
    }
  }
  return result;
}

std::optional<int64_t> kiln::onnx::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

std::optional<int64_t> kiln::onnx::getElementCount(ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0)
      return std::nullopt;
    if (llvm::MulOverflow(count, dim, count))
      return std::nullopt;
  }
  return count;
}

DenseElementsAttr kiln::onnx::getConstantDense(Value value) {
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return nullptr;
  return attr;
}

std::optional<SmallVector<int64_t>> kiln::onnx::getConstantInts(Value value) {
  DenseElementsAttr attr = getConstantDense(value);
  if (!attr || !attr.getElementType().isInteger())
    return std::nullopt;
  SmallVector<int64_t> result;
  bool isUnsigned = attr.getElementType().isUnsignedInteger();
  for (const APInt &v : attr.getValues<APInt>())
    result.push_back(isUnsigned ? (int64_t)v.getZExtValue() : v.getSExtValue());
  return result;
}

/// Slice of a shape value with constant parameters, as Slice and Shape(start, end) use it.
static std::optional<SymbolicShape> sliceShapeValue(ArrayRef<DimValue> values, int64_t start,
                                                    int64_t end, int64_t step) {
  int64_t n = values.size();
  if (step == 0)
    return std::nullopt;
  auto clampIndex = [&](int64_t i, int64_t lo, int64_t hi) {
    if (i < 0)
      i = i < -n ? -1 : i + n;
    return std::clamp(i, lo, hi);
  };
  SymbolicShape result;
  if (step > 0) {
    for (int64_t i = clampIndex(start, 0, n), e = clampIndex(end, 0, n); i < e; i += step)
      result.push_back(values[i]);
  } else {
    for (int64_t i = clampIndex(start, -1, n - 1), e = clampIndex(end, -1, n - 1); i > e;
         i += step)
      result.push_back(values[i]);
  }
  return result;
}

SymbolicShape kiln::onnx::getSymbolicShape(Value tensor) {
  SymbolicShape dims;
  auto type = cast<RankedTensorType>(tensor.getType());
  for (int64_t i = 0; i < type.getRank(); ++i)
    dims.push_back(type.isDynamicDim(i) ? DimValue{kDynamic, tensor, i}
                                        : DimValue{type.getDimSize(i), nullptr, -1});
  return dims;
}

/// Whether two entries are known to be equal (1), known to differ (0), or unknown (-1). A
/// symbolic dim is never negative, which settles the `Equal(shape, -1)` guards exporters put
/// around Expand targets.
static int compareDims(const DimValue &a, const DimValue &b) {
  if (a.isStatic() && b.isStatic())
    return a.value == b.value;
  if (a.isSymbol() && b.isSymbol() && a.source == b.source && a.index == b.index)
    return 1;
  if ((a.isSymbol() && b.isStatic() && b.value < 0) ||
      (b.isSymbol() && a.isStatic() && a.value < 0))
    return 0;
  return -1;
}

std::optional<SymbolicShape> kiln::onnx::getSymbolicShapeValue(Value value) {
  if (auto ints = getConstantInts(value)) {
    SymbolicShape result;
    for (int64_t v : *ints)
      result.push_back(DimValue{v, nullptr, -1});
    return result;
  }

  Operation *def = value.getDefiningOp();
  auto unknownOfStaticLength = [&]() -> std::optional<SymbolicShape> {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || type.getRank() > 1)
      return std::nullopt;
    if (type.getRank() == 0)
      return SymbolicShape{DimValue{}};
    if (type.isDynamicDim(0))
      return std::nullopt;
    return SymbolicShape(type.getDimSize(0), DimValue{});
  };
  if (!def)
    return unknownOfStaticLength();

  if (auto shapeOp = dyn_cast<ShapeOp>(def)) {
    if (!isa<RankedTensorType>(shapeOp.getData().getType()))
      return unknownOfStaticLength();
    SymbolicShape dims = getSymbolicShape(shapeOp.getData());
    int64_t end = shapeOp.getEnd() ? (int64_t)*shapeOp.getEnd() : (int64_t)dims.size();
    return sliceShapeValue(dims, (int64_t)shapeOp.getStart(), end, 1);
  }
  if (auto concat = dyn_cast<ConcatOp>(def)) {
    SymbolicShape result;
    for (Value input : concat.getInputs()) {
      std::optional<SymbolicShape> part = getSymbolicShapeValue(input);
      if (!part)
        return unknownOfStaticLength();
      result.append(part->begin(), part->end());
    }
    return result;
  }
  if (isa<UnsqueezeOp, SqueezeOp, CastOp, IdentityOp, ReshapeOp>(def))
    return getSymbolicShapeValue(def->getOperand(0));
  if (auto gather = dyn_cast<GatherOp>(def)) {
    std::optional<SymbolicShape> data = getSymbolicShapeValue(gather.getData());
    std::optional<SmallVector<int64_t>> indices = getConstantInts(gather.getIndices());
    if (!data || !indices)
      return unknownOfStaticLength();
    SymbolicShape result;
    for (int64_t index : *indices) {
      std::optional<int64_t> i = normalizeAxis(index, data->size());
      if (!i)
        return unknownOfStaticLength();
      result.push_back((*data)[*i]);
    }
    return result;
  }
  if (auto slice = dyn_cast<SliceOp>(def)) {
    std::optional<SymbolicShape> data = getSymbolicShapeValue(slice.getData());
    auto starts = getConstantInts(slice.getStarts());
    auto ends = getConstantInts(slice.getEnds());
    std::optional<SmallVector<int64_t>> steps;
    if (slice.getSteps())
      steps = getConstantInts(slice.getSteps());
    if (!data || !starts || !ends || starts->size() != 1 || ends->size() != 1 ||
        (slice.getSteps() && (!steps || steps->size() != 1)))
      return unknownOfStaticLength();
    return sliceShapeValue(*data, (*starts)[0], (*ends)[0], steps ? (*steps)[0] : 1);
  }
  if (auto where = dyn_cast<WhereOp>(def)) {
    // Where(Equal(a, b), x, y) entry by entry, when every comparison is decided.
    auto equal = where.getCondition().getDefiningOp<EqualOp>();
    if (!equal)
      return unknownOfStaticLength();
    std::optional<SymbolicShape> a = getSymbolicShapeValue(equal.getA()),
                                 b = getSymbolicShapeValue(equal.getB()),
                                 x = getSymbolicShapeValue(where.getX()),
                                 y = getSymbolicShapeValue(where.getY());
    if (!a || !b || !x || !y)
      return unknownOfStaticLength();
    size_t n = std::max({a->size(), b->size(), x->size(), y->size()});
    auto at = [&](const SymbolicShape &v, size_t i) -> std::optional<DimValue> {
      if (v.size() == 1)
        return v[0];
      if (v.size() != n)
        return std::nullopt;
      return v[i];
    };
    SymbolicShape result;
    for (size_t i = 0; i < n; ++i) {
      auto ai = at(*a, i), bi = at(*b, i), xi = at(*x, i), yi = at(*y, i);
      if (!ai || !bi || !xi || !yi)
        return unknownOfStaticLength();
      int cmp = compareDims(*ai, *bi);
      result.push_back(cmp == 1 ? *xi : cmp == 0 ? *yi : DimValue{});
    }
    return result;
  }
  return unknownOfStaticLength();
}

std::optional<Shape> kiln::onnx::getShapeValue(Value value) {
  std::optional<SymbolicShape> symbolic = getSymbolicShapeValue(value);
  if (!symbolic)
    return std::nullopt;
  Shape result;
  for (const DimValue &d : *symbolic)
    result.push_back(d.isStatic() ? d.value : kDynamic);
  return result;
}
