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
static std::optional<Shape> sliceShapeValue(ArrayRef<int64_t> values, int64_t start, int64_t end,
                                            int64_t step) {
  int64_t n = values.size();
  if (step == 0)
    return std::nullopt;
  auto clampIndex = [&](int64_t i, int64_t lo, int64_t hi) {
    if (i < 0)
      i = i < -n ? -1 : i + n;
    return std::clamp(i, lo, hi);
  };
  Shape result;
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

std::optional<Shape> kiln::onnx::getShapeValue(Value value) {
  if (auto ints = getConstantInts(value))
    return Shape(ints->begin(), ints->end());

  Operation *def = value.getDefiningOp();
  auto unknownOfStaticLength = [&]() -> std::optional<Shape> {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || type.getRank() > 1)
      return std::nullopt;
    if (type.getRank() == 0)
      return Shape{kDynamic};
    if (type.isDynamicDim(0))
      return std::nullopt;
    return Shape(type.getDimSize(0), kDynamic);
  };
  if (!def)
    return unknownOfStaticLength();

  if (auto shapeOp = dyn_cast<ShapeOp>(def)) {
    std::optional<Shape> dims = getRankedShape(shapeOp.getData());
    if (!dims)
      return unknownOfStaticLength();
    int64_t end = shapeOp.getEnd() ? *shapeOp.getEnd() : (int64_t)dims->size();
    return sliceShapeValue(*dims, shapeOp.getStart(), end, 1);
  }
  if (auto concat = dyn_cast<ConcatOp>(def)) {
    Shape result;
    for (Value input : concat.getInputs()) {
      std::optional<Shape> part = getShapeValue(input);
      if (!part)
        return unknownOfStaticLength();
      result.append(part->begin(), part->end());
    }
    return result;
  }
  if (isa<UnsqueezeOp, SqueezeOp, CastOp, IdentityOp, ReshapeOp>(def))
    return getShapeValue(def->getOperand(0));
  if (auto gather = dyn_cast<GatherOp>(def)) {
    std::optional<Shape> data = getShapeValue(gather.getData());
    std::optional<SmallVector<int64_t>> indices = getConstantInts(gather.getIndices());
    if (!data || !indices)
      return unknownOfStaticLength();
    Shape result;
    for (int64_t index : *indices) {
      std::optional<int64_t> i = normalizeAxis(index, data->size());
      if (!i)
        return unknownOfStaticLength();
      result.push_back((*data)[*i]);
    }
    return result;
  }
  if (auto slice = dyn_cast<SliceOp>(def)) {
    std::optional<Shape> data = getShapeValue(slice.getData());
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
  return unknownOfStaticLength();
}
