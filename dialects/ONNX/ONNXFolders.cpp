//===- ONNXFolders.cpp - constant folding of onnx ops ---------------------===//
//
// Folders evaluate ops on small constant operands and on shape values known at compile time,
// which collapses the Shape -> Gather -> Unsqueeze -> Concat chains exporters emit around every
// Reshape. Folding never materialises more than `getMaxFoldElements()` elements and never
// touches `dense_resource` weights: big tensors stay symbolic.
//
//===----------------------------------------------------------------------===//

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/ONNXFolding.h"
#include "dialects/ONNX/ShapeHelpers.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/APSInt.h"

using namespace mlir;
using namespace kiln::onnx;

static int64_t maxFoldElements = 1 << 16;

void kiln::onnx::setMaxFoldElements(int64_t limit) { maxFoldElements = limit; }
int64_t kiln::onnx::getMaxFoldElements() { return maxFoldElements; }

namespace {

/// The result type of a single-result op when it is static and small enough to fold into.
RankedTensorType foldableType(Operation *op) {
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type || !type.hasStaticShape())
    return nullptr;
  std::optional<int64_t> count = getElementCount(type.getShape());
  if (!count || *count > maxFoldElements)
    return nullptr;
  return type;
}

DenseElementsAttr dense(Attribute attr) { return dyn_cast_or_null<DenseElementsAttr>(attr); }

/// Whether `in` broadcasts to exactly `out`. Folders check this rather than trust result types,
/// which may come from a model's (unverified) value_info.
bool broadcastsTo(ArrayRef<int64_t> in, ArrayRef<int64_t> out) {
  if (in.size() > out.size())
    return false;
  for (size_t i = 0; i < in.size(); ++i) {
    int64_t o = out[out.size() - in.size() + i];
    if (in[i] != 1 && in[i] != o)
      return false;
  }
  return true;
}

/// Row-major strides of `shape`.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Maps linear indices of a broadcast result of shape `out` to those of an operand of shape
/// `in` (numpy broadcasting: `in` is right-aligned, size-1 dims repeat).
class BroadcastMap {
public:
  BroadcastMap(ArrayRef<int64_t> out, ArrayRef<int64_t> in)
      : outStrides(stridesOf(out)), out(out) {
    SmallVector<int64_t> inStrides = stridesOf(in);
    size_t offset = out.size() - in.size();
    strides.assign(out.size(), 0);
    for (size_t i = 0; i < in.size(); ++i)
      strides[i + offset] = in[i] == 1 ? 0 : inStrides[i];
  }
  int64_t operator()(int64_t linear) const {
    int64_t index = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      index += (linear / outStrides[i]) % out[i] * strides[i];
    }
    return index;
  }

private:
  SmallVector<int64_t> outStrides, strides;
  ArrayRef<int64_t> out;
};

/// Elements of `attr` broadcast to `type`'s shape, as Attributes.
SmallVector<Attribute> broadcastElements(DenseElementsAttr attr, ShapedType type) {
  SmallVector<Attribute> values(attr.getValues<Attribute>());
  BroadcastMap map(type.getShape(), attr.getType().getShape());
  SmallVector<Attribute> result;
  result.reserve(type.getNumElements());
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i)
    result.push_back(values[attr.isSplat() ? 0 : map(i)]);
  return result;
}

/// A scalar function on integers (as APInt, with signedness) or on floats. Returning nullopt
/// stops the fold (division by zero, an op with no meaning for the type).
using IntFn = std::function<std::optional<APInt>(ArrayRef<APInt>, bool isUnsigned)>;
using FloatFn = std::function<std::optional<APFloat>(ArrayRef<APFloat>)>;

/// Elementwise evaluation with broadcasting. The result element type comes from the op, so
/// comparisons produce i1 from integer or float operands.
Attribute foldElementwise(Operation *op, ArrayRef<Attribute> operands, const IntFn &intFn,
                          const FloatFn &floatFn) {
  RankedTensorType type = foldableType(op);
  if (!type || operands.empty())
    return nullptr;
  SmallVector<SmallVector<Attribute>> inputs;
  for (Attribute a : operands) {
    DenseElementsAttr d = dense(a);
    if (!d || !broadcastsTo(d.getType().getShape(), type.getShape()))
      return nullptr;
    inputs.push_back(broadcastElements(d, type));
  }
  if (type.getNumElements() == 0)
    return DenseElementsAttr::get(type, ArrayRef<Attribute>());
  Type inElement = dense(operands[0]).getElementType();
  bool isUnsigned = inElement.isUnsignedInteger();
  Type outElement = type.getElementType();
  SmallVector<Attribute> results;
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i) {
    if (isa<IntegerType>(inElement)) {
      if (!intFn)
        return nullptr;
      SmallVector<APInt> args;
      for (auto &in : inputs)
        args.push_back(cast<IntegerAttr>(in[i]).getValue());
      std::optional<APInt> r = intFn(args, isUnsigned);
      if (!r)
        return nullptr;
      results.push_back(IntegerAttr::get(outElement, *r));
    } else {
      if (!floatFn)
        return nullptr;
      SmallVector<APFloat> args;
      for (auto &in : inputs)
        args.push_back(cast<FloatAttr>(in[i]).getValue());
      std::optional<APFloat> r = floatFn(args);
      if (!r)
        return nullptr;
      if (outElement.isInteger(1))
        results.push_back(IntegerAttr::get(outElement, r->isNonZero() ? 1 : 0));
      else
        results.push_back(FloatAttr::get(outElement, *r));
    }
  }
  return DenseElementsAttr::get(type, results);
}

APInt boolInt(bool b) { return APInt(1, b ? 1 : 0); }
APFloat boolFloat(bool b) { return APFloat(b ? 1.0f : 0.0f); }

/// Folds a value whose contents are a fully known shape value (rank <= 1 integer tensor).
Attribute foldShapeValue(Operation *op) {
  RankedTensorType type = foldableType(op);
  if (!type || type.getRank() > 1 || !type.getElementType().isSignlessInteger())
    return nullptr;
  std::optional<Shape> values = getShapeValue(op->getResult(0));
  if (!values || (int64_t)values->size() != type.getNumElements() ||
      llvm::is_contained(*values, kDynamic))
    return nullptr;
  SmallVector<APInt> ints;
  for (int64_t v : *values)
    ints.push_back(APInt(type.getElementTypeBitWidth(), v, /*isSigned=*/true));
  return DenseElementsAttr::get(type, ints);
}

/// The same elements viewed with the op's (static) result shape.
Attribute foldReshapeLike(Operation *op, Attribute input) {
  RankedTensorType type = foldableType(op);
  DenseElementsAttr d = dense(input);
  if (!type || !d || d.getType().getElementType() != type.getElementType() ||
      d.getNumElements() != type.getNumElements())
    return nullptr;
  return d.reshape(type);
}

/// Converts one element to `to`; nullopt for conversions with no exact compile-time meaning.
std::optional<Attribute> castElement(Attribute value, Type to) {
  if (auto i = dyn_cast<IntegerAttr>(value)) {
    bool isUnsigned = i.getType().isUnsignedInteger() || i.getType().isInteger(1);
    if (auto toInt = dyn_cast<IntegerType>(to)) {
      if (toInt.getWidth() == 1)
        return IntegerAttr::get(to, i.getValue().isZero() ? 0 : 1);
      return IntegerAttr::get(to, isUnsigned ? i.getValue().zextOrTrunc(toInt.getWidth())
                                             : i.getValue().sextOrTrunc(toInt.getWidth()));
    }
    APFloat f(cast<FloatType>(to).getFloatSemantics());
    f.convertFromAPInt(i.getValue(), !isUnsigned, APFloat::rmNearestTiesToEven);
    return FloatAttr::get(to, f);
  }
  APFloat f = cast<FloatAttr>(value).getValue();
  if (auto toInt = dyn_cast<IntegerType>(to)) {
    if (!f.isFinite())
      return std::nullopt;
    if (toInt.getWidth() == 1)
      return IntegerAttr::get(to, f.isZero() ? 0 : 1);
    APSInt result(toInt.getWidth(), toInt.isUnsigned());
    bool exact;
    if (f.convertToInteger(result, APFloat::rmTowardZero, &exact) & APFloat::opInvalidOp)
      return std::nullopt;
    return IntegerAttr::get(to, result);
  }
  bool losesInfo;
  f.convert(cast<FloatType>(to).getFloatSemantics(), APFloat::rmNearestTiesToEven, &losesInfo);
  return FloatAttr::get(to, f);
}

Attribute foldCast(Operation *op, Attribute input) {
  RankedTensorType type = foldableType(op);
  DenseElementsAttr d = dense(input);
  if (!type || !d || d.getType().getShape() != type.getShape())
    return nullptr;
  if (d.getElementType() == type.getElementType())
    return d;
  SmallVector<Attribute> results;
  for (Attribute v : d.getValues<Attribute>()) {
    std::optional<Attribute> c = castElement(v, type.getElementType());
    if (!c)
      return nullptr;
    results.push_back(*c);
  }
  return DenseElementsAttr::get(type, results);
}

} // namespace

//===----------------------------------------------------------------------===//
// Folders.
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult IdentityOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return nullptr;
}

OpFoldResult ShapeOp::fold(FoldAdaptor) { return foldShapeValue(*this); }

OpFoldResult SizeOp::fold(FoldAdaptor) {
  auto in = dyn_cast<RankedTensorType>(getData().getType());
  if (!in || !in.hasStaticShape())
    return nullptr;
  std::optional<int64_t> count = getElementCount(in.getShape());
  if (!count)
    return nullptr;
  return DenseElementsAttr::get(cast<ShapedType>(getType()), APInt(64, *count));
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (Attribute folded = foldCast(*this, adaptor.getInput()))
    return folded;
  return foldShapeValue(*this);
}

OpFoldResult CastLikeOp::fold(FoldAdaptor adaptor) { return foldCast(*this, adaptor.getInput()); }

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (Attribute folded = foldReshapeLike(*this, adaptor.getData()))
    return folded;
  return foldShapeValue(*this);
}

OpFoldResult SqueezeOp::fold(FoldAdaptor adaptor) {
  if (Attribute folded = foldReshapeLike(*this, adaptor.getData()))
    return folded;
  return foldShapeValue(*this);
}

OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  if (Attribute folded = foldReshapeLike(*this, adaptor.getData()))
    return folded;
  return foldShapeValue(*this);
}

OpFoldResult FlattenOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, adaptor.getInput());
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  RankedTensorType type = foldableType(*this);
  DenseElementsAttr d = dense(adaptor.getInput());
  if (!type || !d || d.getElementType() != type.getElementType() ||
      !broadcastsTo(d.getType().getShape(), type.getShape()))
    return nullptr;
  return DenseElementsAttr::get(type, broadcastElements(d, type));
}

OpFoldResult ConstantOfShapeOp::fold(FoldAdaptor) {
  RankedTensorType type = foldableType(*this);
  if (!type)
    return nullptr;
  if (auto value = getValue()) {
    auto d = dyn_cast<DenseElementsAttr>(*value);
    if (!d || d.getNumElements() != 1 || d.getElementType() != type.getElementType())
      return nullptr;
    return DenseElementsAttr::get(type, *d.getValues<Attribute>().begin());
  }
  return DenseElementsAttr::get(type, FloatAttr::get(type.getElementType(), 0.0));
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  RankedTensorType type = foldableType(*this);
  if (!type)
    return nullptr;
  SmallVector<DenseElementsAttr> inputs;
  for (Attribute a : adaptor.getInputs()) {
    if (!dense(a))
      return foldShapeValue(*this);
    inputs.push_back(dense(a));
  }
  std::optional<int64_t> axisOr = normalizeAxis((int64_t)getAxis(), type.getRank());
  if (!axisOr)
    return nullptr;
  int64_t axis = *axisOr, total = 0;
  ArrayRef<int64_t> shape = type.getShape();
  for (DenseElementsAttr d : inputs) {
    ArrayRef<int64_t> s = d.getType().getShape();
    if (s.size() != shape.size())
      return nullptr;
    for (size_t i = 0; i < s.size(); ++i)
      if ((int64_t)i != axis && s[i] != shape[i])
        return nullptr;
    total += s[axis];
  }
  if (total != shape[axis])
    return nullptr;
  int64_t outer = *getElementCount(shape.take_front(axis));
  int64_t inner = *getElementCount(shape.drop_front(axis + 1));
  SmallVector<SmallVector<Attribute>> values;
  for (DenseElementsAttr d : inputs)
    values.emplace_back(broadcastElements(d, d.getType()));
  SmallVector<Attribute> result;
  for (int64_t o = 0; o < outer; ++o)
    for (auto [d, v] : llvm::zip(inputs, values)) {
      int64_t chunk = d.getType().getDimSize(axis) * inner;
      result.append(v.begin() + o * chunk, v.begin() + (o + 1) * chunk);
    }
  return DenseElementsAttr::get(type, result);
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  RankedTensorType type = foldableType(*this);
  DenseElementsAttr data = dense(adaptor.getData());
  std::optional<SmallVector<int64_t>> indices = getConstantInts(getIndices());
  if (!type || !data || !indices)
    return foldShapeValue(*this);
  ArrayRef<int64_t> shape = data.getType().getShape();
  std::optional<int64_t> axisOr = normalizeAxis((int64_t)getAxis(), shape.size());
  auto indicesType = dyn_cast<RankedTensorType>(getIndices().getType());
  if (!axisOr || !indicesType)
    return nullptr;
  int64_t axis = *axisOr;
  SmallVector<int64_t> expected(shape.take_front(axis));
  llvm::append_range(expected, indicesType.getShape());
  llvm::append_range(expected, shape.drop_front(axis + 1));
  if (ArrayRef<int64_t>(expected) != type.getShape())
    return nullptr;
  int64_t outer = *getElementCount(shape.take_front(axis));
  int64_t inner = *getElementCount(shape.drop_front(axis + 1));
  int64_t dim = shape[axis];
  SmallVector<Attribute> values = broadcastElements(data, data.getType());
  SmallVector<Attribute> result;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t index : *indices) {
      if (index < -dim || index >= dim)
        return nullptr;
      int64_t i = index < 0 ? index + dim : index;
      auto begin = values.begin() + (o * dim + i) * inner;
      result.append(begin, begin + inner);
    }
  return DenseElementsAttr::get(type, result);
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  RankedTensorType type = foldableType(*this);
  DenseElementsAttr data = dense(adaptor.getData());
  auto starts = getConstantInts(getStarts());
  std::optional<SmallVector<int64_t>> axes, steps;
  if (getAxes())
    axes = getConstantInts(getAxes());
  if (getSteps())
    steps = getConstantInts(getSteps());
  if (!type || !data || !starts || (getAxes() && !axes) || (getSteps() && !steps))
    return foldShapeValue(*this);
  // Shape inference already checked the parameters; compute per-axis start and step.
  auto ends = getConstantInts(getEnds());
  ArrayRef<int64_t> inShape = data.getType().getShape();
  if (!ends || ends->size() != starts->size() || (axes && axes->size() != starts->size()) ||
      (steps && steps->size() != starts->size()) || type.getRank() != (int64_t)inShape.size())
    return nullptr;
  SmallVector<int64_t> begin(inShape.size(), 0), step(inShape.size(), 1);
  SmallVector<int64_t> length(inShape);
  for (size_t i = 0; i < starts->size(); ++i) {
    std::optional<int64_t> axis = normalizeAxis(axes ? (*axes)[i] : (int64_t)i, inShape.size());
    int64_t s = steps ? (*steps)[i] : 1;
    if (!axis || s == 0)
      return nullptr;
    int64_t dim = inShape[*axis];
    auto clampIndex = [&](int64_t v) {
      if (v < 0)
        v = v < -dim ? (s > 0 ? 0 : -1) : v + dim;
      return s > 0 ? std::clamp<int64_t>(v, 0, dim) : std::clamp<int64_t>(v, -1, dim - 1);
    };
    int64_t b = clampIndex((*starts)[i]), e = clampIndex((*ends)[i]);
    begin[*axis] = b;
    step[*axis] = s;
    length[*axis] = std::max<int64_t>(0, s > 0 ? (e - b + s - 1) / s : (b - e - s - 1) / -s);
  }
  // The result type may come from a model's value_info: it must match what the slice selects.
  if (ArrayRef<int64_t>(length) != type.getShape())
    return nullptr;
  SmallVector<Attribute> values = broadcastElements(data, data.getType());
  SmallVector<int64_t> inStrides = stridesOf(inShape), outStrides = stridesOf(type.getShape());
  SmallVector<Attribute> result;
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < inShape.size(); ++d)
      src += (begin[d] + (i / outStrides[d]) % type.getDimSize(d) * step[d]) * inStrides[d];
    result.push_back(values[src]);
  }
  return DenseElementsAttr::get(type, result);
}

OpFoldResult RangeOp::fold(FoldAdaptor adaptor) {
  RankedTensorType type = foldableType(*this);
  DenseElementsAttr start = dense(adaptor.getStart()), delta = dense(adaptor.getDelta());
  if (!type || !start || !delta)
    return nullptr;
  if (start.getNumElements() != 1 || delta.getNumElements() != 1 || type.getRank() != 1)
    return nullptr;
  SmallVector<Type> inferred;
  if (failed(inferShapes(inferred)) || inferred[0] != Type(type))
    return nullptr;
  Attribute s = *start.getValues<Attribute>().begin(), d = *delta.getValues<Attribute>().begin();
  SmallVector<Attribute> result;
  for (int64_t i = 0; i < type.getNumElements(); ++i) {
    if (auto si = dyn_cast<IntegerAttr>(s)) {
      APInt v = si.getValue() + cast<IntegerAttr>(d).getValue() * i;
      result.push_back(IntegerAttr::get(type.getElementType(), v));
    } else {
      double v = cast<FloatAttr>(s).getValueAsDouble() + cast<FloatAttr>(d).getValueAsDouble() * i;
      result.push_back(FloatAttr::get(type.getElementType(), v));
    }
  }
  return DenseElementsAttr::get(type, result);
}

#define KILN_FOLD_BINARY(OP, INT_EXPR, FLOAT_EXPR)                                           \
  OpFoldResult OP::fold(FoldAdaptor adaptor) {                                               \
    return foldElementwise(                                                                  \
        *this, adaptor.getOperands(),                                                        \
        [](ArrayRef<APInt> v, bool isUnsigned) -> std::optional<APInt> {                     \
          const APInt &a = v[0], &b = v[1];                                                  \
          (void)isUnsigned;                                                                  \
          return INT_EXPR;                                                                   \
        },                                                                                   \
        [](ArrayRef<APFloat> v) -> std::optional<APFloat> {                                  \
          const APFloat &a = v[0], &b = v[1];                                                \
          return FLOAT_EXPR;                                                                 \
        });                                                                                  \
  }

KILN_FOLD_BINARY(AddOp, a + b, a + b)
KILN_FOLD_BINARY(SubOp, a - b, a - b)
KILN_FOLD_BINARY(MulOp, a * b, a * b)
KILN_FOLD_BINARY(DivOp,
                 b.isZero() ? std::optional<APInt>() : (isUnsigned ? a.udiv(b) : a.sdiv(b)),
                 a / b)
KILN_FOLD_BINARY(EqualOp, boolInt(a == b), boolFloat(a.compare(b) == APFloat::cmpEqual))
KILN_FOLD_BINARY(LessOp, boolInt(isUnsigned ? a.ult(b) : a.slt(b)),
                 boolFloat(a.compare(b) == APFloat::cmpLessThan))
KILN_FOLD_BINARY(GreaterOp, boolInt(isUnsigned ? a.ugt(b) : a.sgt(b)),
                 boolFloat(a.compare(b) == APFloat::cmpGreaterThan))
#undef KILN_FOLD_BINARY

OpFoldResult ModOp::fold(FoldAdaptor adaptor) {
  bool truncated = getFmod() != 0;
  return foldElementwise(
      *this, adaptor.getOperands(),
      [truncated](ArrayRef<APInt> v, bool isUnsigned) -> std::optional<APInt> {
        const APInt &a = v[0], &b = v[1];
        if (b.isZero())
          return std::nullopt;
        if (isUnsigned)
          return a.urem(b);
        APInt r = a.srem(b);
        // Without fmod the result takes the divisor's sign (Python's %).
        if (!truncated && !r.isZero() && r.isNegative() != b.isNegative())
          r += b;
        return r;
      },
      [truncated](ArrayRef<APFloat> v) -> std::optional<APFloat> {
        if (!truncated)
          return std::nullopt;
        APFloat r = v[0];
        r.mod(v[1]);
        return r;
      });
}

OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  if (getNumOperands() != 2)
    return nullptr;
  return foldElementwise(
      *this, adaptor.getOperands(),
      [](ArrayRef<APInt> v, bool isUnsigned) -> std::optional<APInt> {
        return (isUnsigned ? v[0].ugt(v[1]) : v[0].sgt(v[1])) ? v[0] : v[1];
      },
      [](ArrayRef<APFloat> v) -> std::optional<APFloat> { return maxnum(v[0], v[1]); });
}

OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  if (getNumOperands() != 2)
    return nullptr;
  return foldElementwise(
      *this, adaptor.getOperands(),
      [](ArrayRef<APInt> v, bool isUnsigned) -> std::optional<APInt> {
        return (isUnsigned ? v[0].ult(v[1]) : v[0].slt(v[1])) ? v[0] : v[1];
      },
      [](ArrayRef<APFloat> v) -> std::optional<APFloat> { return minnum(v[0], v[1]); });
}

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  return foldElementwise(
      *this, adaptor.getOperands(),
      [](ArrayRef<APInt> v, bool) -> std::optional<APInt> { return -v[0]; },
      [](ArrayRef<APFloat> v) -> std::optional<APFloat> { return neg(v[0]); });
}

OpFoldResult NotOp::fold(FoldAdaptor adaptor) {
  return foldElementwise(
      *this, adaptor.getOperands(),
      [](ArrayRef<APInt> v, bool) -> std::optional<APInt> { return ~v[0]; }, nullptr);
}

OpFoldResult SqrtOp::fold(FoldAdaptor adaptor) {
  return foldElementwise(*this, adaptor.getOperands(), nullptr,
                         [](ArrayRef<APFloat> v) -> std::optional<APFloat> {
                           if (v[0].isNegative())
                             return std::nullopt;
                           bool losesInfo;
                           APFloat d = v[0];
                           d.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                                     &losesInfo);
                           APFloat r(std::sqrt(d.convertToDouble()));
                           r.convert(v[0].getSemantics(), APFloat::rmNearestTiesToEven,
                                     &losesInfo);
                           return r;
                         });
}

OpFoldResult WhereOp::fold(FoldAdaptor adaptor) {
  RankedTensorType type = foldableType(*this);
  DenseElementsAttr cond = dense(adaptor.getCondition()), x = dense(adaptor.getX()),
                    y = dense(adaptor.getY());
  if (!type || !cond || !x || !y ||
      !llvm::all_of(ArrayRef<DenseElementsAttr>{cond, x, y}, [&](DenseElementsAttr d) {
        return broadcastsTo(d.getType().getShape(), type.getShape());
      }))
    return nullptr;
  SmallVector<Attribute> c = broadcastElements(cond, type.clone(cond.getElementType()));
  SmallVector<Attribute> xs = broadcastElements(x, type), ys = broadcastElements(y, type);
  SmallVector<Attribute> result;
  for (size_t i = 0; i < c.size(); ++i)
    result.push_back(cast<IntegerAttr>(c[i]).getValue().isZero() ? ys[i] : xs[i]);
  return DenseElementsAttr::get(type, result);
}
