//===- SymbolicProducts.cpp - dynamic dims as products of root dims -------===//
//
// Older exporters merge the batch and head dims into one (`[B*H, S, D]`) and split them
// again later, with a -1 entry or a size computed as `Shape(x)[0] * H` or `Shape(x)[0] / H`.
// Root dims alone cannot say that the split gives back B and H; products of roots can.
//
//===----------------------------------------------------------------------===//

#include "dialects/ONNX/SymbolicDims.h"

#include "dialects/ONNX/ONNXDialect.h"

using namespace mlir;
using namespace kiln::onnx;

namespace {

bool factorLess(const DimValue &a, const DimValue &b) {
  if (a.source != b.source)
    return a.source.getAsOpaquePointer() < b.source.getAsOpaquePointer();
  return a.index < b.index;
}

bool factorEqual(const DimValue &a, const DimValue &b) {
  return a.source == b.source && a.index == b.index;
}

DimProduct staticProduct(int64_t value) { return DimProduct{value, {}}; }

std::optional<DimProduct> product(std::optional<DimProduct> a, std::optional<DimProduct> b) {
  if (!a || !b)
    return std::nullopt;
  return *a * *b;
}

/// Length of the 1-D (or scalar) integer tensor `v` when static.
std::optional<int64_t> staticLength(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || type.getRank() > 1)
    return std::nullopt;
  if (type.getRank() == 0)
    return 1;
  if (type.isDynamicDim(0))
    return std::nullopt;
  return type.getDimSize(0);
}

/// The product of all dims of `tensor`.
std::optional<DimProduct> elementCount(Value tensor) {
  auto type = dyn_cast<RankedTensorType>(tensor.getType());
  if (!type)
    return std::nullopt;
  std::optional<DimProduct> total = staticProduct(1);
  for (int64_t d = 0; d < type.getRank() && total; ++d)
    total = product(total, getDimProduct(tensor, d));
  return total;
}

/// Dim `index` of Reshape `reshape`'s result, from its target entry (a -1 entry is the
/// input's element count over the other entries).
std::optional<DimProduct> reshapeDim(ReshapeOp reshape, int64_t index) {
  std::optional<Shape> target = getShapeValue(reshape.getShape());
  if (!target || index >= (int64_t)target->size())
    return std::nullopt;
  auto entry = [&](int64_t i) -> std::optional<DimProduct> {
    if ((*target)[i] == 0 && !reshape.getAllowzero())
      return getDimProduct(reshape.getData(), i);
    return getShapeEntryProduct(reshape.getShape(), i);
  };
  if ((*target)[index] != -1)
    return entry(index);
  std::optional<DimProduct> others = staticProduct(1);
  for (int64_t i = 0; i < (int64_t)target->size() && others; ++i)
    if (i != index)
      others = product(others, entry(i));
  std::optional<DimProduct> total = elementCount(reshape.getData());
  if (!total || !others)
    return std::nullopt;
  return total->dividedBy(*others);
}

} // namespace

bool DimProduct::operator==(const DimProduct &other) const {
  return coefficient == other.coefficient && factors.size() == other.factors.size() &&
         llvm::all_of(llvm::zip(factors, other.factors),
                      [](auto pair) { return factorEqual(std::get<0>(pair), std::get<1>(pair)); });
}

DimProduct DimProduct::operator*(const DimProduct &other) const {
  DimProduct result{coefficient * other.coefficient, factors};
  result.factors.append(other.factors.begin(), other.factors.end());
  llvm::stable_sort(result.factors, factorLess);
  return result;
}

std::optional<DimProduct> DimProduct::dividedBy(const DimProduct &other) const {
  if (other.coefficient == 0 || coefficient % other.coefficient != 0)
    return std::nullopt;
  DimProduct result{coefficient / other.coefficient, factors};
  for (const DimValue &f : other.factors) {
    auto it = llvm::find_if(result.factors, [&](const DimValue &g) { return factorEqual(f, g); });
    if (it == result.factors.end())
      return std::nullopt;
    result.factors.erase(it);
  }
  return result;
}

std::optional<DimProduct> kiln::onnx::getDimProduct(Value tensor, int64_t index) {
  DimValue root = getDimRoot(tensor, index);
  if (root.isStatic())
    return staticProduct(root.value);
  if (!root.isSymbol())
    return std::nullopt;
  Operation *def = root.source.getDefiningOp();
  if (auto reshape = dyn_cast_or_null<ReshapeOp>(def))
    if (std::optional<DimProduct> dim = reshapeDim(reshape, root.index))
      return dim;
  if (auto tile = dyn_cast_or_null<TileOp>(def))
    if (auto dim = product(getDimProduct(tile.getInput(), root.index),
                           getShapeEntryProduct(tile.getRepeats(), root.index)))
      return dim;
  if (auto expand = dyn_cast_or_null<ExpandOp>(def)) {
    // Right-aligned broadcast of the input to the shape: where the input's dim is 1 (or
    // absent), the dim is the shape's entry.
    auto in = dyn_cast<RankedTensorType>(expand.getInput().getType());
    auto out = cast<RankedTensorType>(expand.getType());
    std::optional<int64_t> length = staticLength(expand.getShape());
    int64_t i = root.index - (out.getRank() - (in ? in.getRank() : 0));
    int64_t e = length ? root.index - (out.getRank() - *length) : -1;
    if (in && e >= 0 && (i < 0 || in.getDimSize(i) == 1))
      if (auto dim = getShapeEntryProduct(expand.getShape(), e))
        return dim;
  }
  return DimProduct{1, {root}};
}

std::optional<DimProduct> kiln::onnx::getShapeEntryProduct(Value shape, int64_t index) {
  if (index < 0)
    return std::nullopt;
  // What the symbolic shape value knows first: a static entry or a dim read with Shape.
  if (std::optional<SymbolicShape> entries = getSymbolicShapeValue(shape)) {
    if (index < 0 || index >= (int64_t)entries->size())
      return std::nullopt;
    const DimValue &e = (*entries)[index];
    if (e.isStatic())
      return staticProduct(e.value);
    if (e.isSymbol())
      return getDimProduct(e.source, e.index);
  }
  Operation *def = shape.getDefiningOp();
  if (!def)
    return std::nullopt;
  if (auto concat = dyn_cast<ConcatOp>(def)) {
    for (Value input : concat.getInputs()) {
      std::optional<int64_t> n = staticLength(input);
      if (!n)
        return std::nullopt;
      if (index < *n)
        return getShapeEntryProduct(input, index);
      index -= *n;
    }
    return std::nullopt;
  }
  if (isa<UnsqueezeOp, SqueezeOp, CastOp, IdentityOp, ReshapeOp>(def)) // entries in order
    return getShapeEntryProduct(def->getOperand(0), index);
  if (isa<MulOp, DivOp>(def)) {
    auto operandEntry = [&](Value v) {
      return getShapeEntryProduct(v, staticLength(v) == 1 ? 0 : index);
    };
    std::optional<DimProduct> a = operandEntry(def->getOperand(0)),
                              b = operandEntry(def->getOperand(1));
    if (!a || !b)
      return std::nullopt;
    // Integer Div truncates; an exact quotient of products is what it computes.
    return isa<MulOp>(def) ? std::optional(*a * *b) : a->dividedBy(*b);
  }
  return std::nullopt;
}

bool kiln::onnx::dimProductsEqual(Value a, int64_t ia, Value b, int64_t ib) {
  std::optional<DimProduct> pa = getDimProduct(a, ia), pb = getDimProduct(b, ib);
  return pa && pb && *pa == *pb;
}
