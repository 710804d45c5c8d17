//===- ONNXShapeInference.cpp - result types of onnx ops ------------------===//
//
// One `inferShapes` per op: result element types always, shapes as far as the operand types and
// constant (or partially known shape-value) operands determine them. Unknown dims are dynamic;
// an unknown rank gives an unranked tensor. Invalid operands are diagnosed here, so a malformed
// model fails with the node's name and a reason rather than deeper in the pipeline.
//
//===----------------------------------------------------------------------===//

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/ONNXTypes.h"
#include "dialects/ONNX/ShapeHelpers.h"
#include "dialects/ONNX/SymbolicDims.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace kiln::onnx;

using Types = SmallVectorImpl<Type>;

namespace {

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "," : "") + (d == kDynamic ? std::string("?") : std::to_string(d));
  return s + "]";
}

/// Every result gets the type of operand `index`.
LogicalResult sameAsOperand(Operation *op, unsigned index, Types &types) {
  types.assign(op->getNumResults(), op->getOperand(index).getType());
  return success();
}

/// Broadcast of all present operands in `operands`, with `elementType`.
LogicalResult broadcastOperands(Operation *op, ValueRange operands, Type elementType,
                                Types &types) {
  Shape shape;
  for (Value v : operands) {
    std::optional<Shape> s = getRankedShape(v);
    if (!s) {
      types.assign(op->getNumResults(), UnrankedTensorType::get(elementType));
      return success();
    }
    FailureOr<Shape> b = broadcastShapes(shape, *s);
    if (failed(b))
      return op->emitOpError("operands are not broadcast-compatible: ")
             << formatShape(shape) << " and " << formatShape(*s);
    shape = *b;
  }
  types.assign(op->getNumResults(), RankedTensorType::get(shape, elementType));
  return success();
}

LogicalResult broadcastAll(Operation *op, Types &types) {
  return broadcastOperands(op, op->getOperands(), getElementType(op->getOperand(0)), types);
}

LogicalResult broadcastToBool(Operation *op, Types &types) {
  return broadcastOperands(op, op->getOperands(), IntegerType::get(op->getContext(), 1), types);
}

/// Axis attribute checked against `rank`.
FailureOr<int64_t> checkedAxis(Operation *op, int64_t axis, int64_t rank) {
  std::optional<int64_t> a = normalizeAxis(axis, rank);
  if (!a)
    return op->emitOpError("axis ") << axis << " is out of range for rank " << rank;
  return *a;
}

/// Shape of a reduction over `axes` (all axes when empty and not noop).
LogicalResult reduceShape(Operation *op, Value data, std::optional<Value> axesValue,
                          bool keepDims, bool noopWithEmptyAxes, Type elementType, Types &types) {
  std::optional<Shape> in = getRankedShape(data);
  std::optional<SmallVector<int64_t>> axes;
  if (axesValue && *axesValue) {
    axes = getConstantInts(*axesValue);
    std::optional<Shape> axesShape = getRankedShape(*axesValue);
    if (!axes && axesShape && axesShape->size() == 1 && (*axesShape)[0] == 0)
      axes.emplace(); // an empty axes tensor, whatever produces it
    if (!axes && in && axesShape && axesShape->size() == 1 && (*axesShape)[0] != kDynamic) {
      // Axes known only at run time, but how many: the rank is known, a dim may or may not
      // be reduced (so only unit dims stay static with keepdims).
      int64_t n = (*axesShape)[0];
      if (!keepDims && n > (int64_t)in->size())
        return op->emitOpError("reduces ") << n << " axes of a rank-" << in->size() << " tensor";
      Shape out;
      for (int64_t d : *in)
        if (keepDims)
          out.push_back(d == 1 ? 1 : kDynamic);
      if (!keepDims)
        out.assign(in->size() - n, kDynamic);
      types.push_back(RankedTensorType::get(out, elementType));
      return success();
    }
    if (!axes) {
      types.push_back(UnrankedTensorType::get(elementType));
      return success();
    }
  } else {
    axes.emplace();
  }
  if (!in) {
    types.push_back(UnrankedTensorType::get(elementType));
    return success();
  }
  if (axes->empty() && noopWithEmptyAxes) {
    types.push_back(RankedTensorType::get(*in, elementType));
    return success();
  }
  SmallVector<bool> reduced(in->size(), axes->empty());
  for (int64_t axis : *axes) {
    FailureOr<int64_t> a = checkedAxis(op, axis, in->size());
    if (failed(a))
      return failure();
    reduced[*a] = true;
  }
  Shape out;
  for (auto [i, d] : llvm::enumerate(*in)) {
    if (!reduced[i])
      out.push_back(d);
    else if (keepDims)
      out.push_back(1);
  }
  types.push_back(RankedTensorType::get(out, elementType));
  return success();
}

/// Shape of a normalisation statistic: the input's dims before `axis`, then ones.
Type statisticType(Value x, int64_t axis, Type elementType) {
  std::optional<Shape> in = getRankedShape(x);
  if (!in)
    return UnrankedTensorType::get(elementType);
  std::optional<int64_t> a = normalizeAxis(axis, in->size());
  if (!a)
    return UnrankedTensorType::get(elementType);
  Shape out(*in);
  for (int64_t i = *a; i < (int64_t)out.size(); ++i)
    out[i] = 1;
  return RankedTensorType::get(out, elementType);
}

/// The float type named by an ONNX `stash_type` (a TensorProto data type), f32 by default.
Type stashType(MLIRContext *ctx, int64_t stash) {
  switch (stash) {
  case 10:
    return Float16Type::get(ctx);
  case 11:
    return Float64Type::get(ctx);
  case 16:
    return BFloat16Type::get(ctx);
  default:
    return Float32Type::get(ctx);
  }
}

int64_t mulDims(int64_t a, int64_t b) {
  int64_t r;
  if (a == kDynamic || b == kDynamic || llvm::MulOverflow(a, b, r))
    return kDynamic;
  return r;
}

int64_t divDims(int64_t a, int64_t b) {
  if (a == kDynamic || b == kDynamic || b == 0)
    return kDynamic;
  return a / b;
}

} // namespace

//===----------------------------------------------------------------------===//
// Ops whose results have the type of their first operand.
//===----------------------------------------------------------------------===//

#define KILN_SAME_AS_FIRST_OPERAND(OP)                                                       \
  LogicalResult OP::inferShapes(Types &types) { return sameAsOperand(*this, 0, types); }
KILN_SAME_AS_FIRST_OPERAND(AbsOp)
KILN_SAME_AS_FIRST_OPERAND(CeilOp)
KILN_SAME_AS_FIRST_OPERAND(ClipOp)
KILN_SAME_AS_FIRST_OPERAND(CosOp)
KILN_SAME_AS_FIRST_OPERAND(ErfOp)
KILN_SAME_AS_FIRST_OPERAND(ExpOp)
KILN_SAME_AS_FIRST_OPERAND(FloorOp)
KILN_SAME_AS_FIRST_OPERAND(GeluOp)
KILN_SAME_AS_FIRST_OPERAND(IdentityOp)
KILN_SAME_AS_FIRST_OPERAND(LogOp)
KILN_SAME_AS_FIRST_OPERAND(NegOp)
KILN_SAME_AS_FIRST_OPERAND(NotOp)
KILN_SAME_AS_FIRST_OPERAND(ReciprocalOp)
KILN_SAME_AS_FIRST_OPERAND(SignOp)
KILN_SAME_AS_FIRST_OPERAND(ReluOp)
KILN_SAME_AS_FIRST_OPERAND(RotaryEmbeddingOp)
KILN_SAME_AS_FIRST_OPERAND(SigmoidOp)
KILN_SAME_AS_FIRST_OPERAND(SinOp)
KILN_SAME_AS_FIRST_OPERAND(SqrtOp)
KILN_SAME_AS_FIRST_OPERAND(TanhOp)
KILN_SAME_AS_FIRST_OPERAND(TriluOp)
KILN_SAME_AS_FIRST_OPERAND(MSBiasGeluOp)
KILN_SAME_AS_FIRST_OPERAND(MSFastGeluOp)
KILN_SAME_AS_FIRST_OPERAND(MSGeluOp)
KILN_SAME_AS_FIRST_OPERAND(MSRotaryEmbeddingOp)
#undef KILN_SAME_AS_FIRST_OPERAND

LogicalResult CumSumOp::inferShapes(Types &types) {
  std::optional<Shape> s = getRankedShape(getX());
  std::optional<SmallVector<int64_t>> axis = getConstantInts(getAxis());
  if (s && axis) {
    if (axis->size() != 1)
      return emitOpError("axis must hold one value, got ") << axis->size();
    if (failed(checkedAxis(*this, (*axis)[0], s->size())))
      return failure();
  }
  return sameAsOperand(*this, 0, types);
}

LogicalResult SoftmaxOp::inferShapes(Types &types) {
  if (std::optional<Shape> s = getRankedShape(getInput()))
    if (failed(checkedAxis(*this, (int64_t)getAxis(), s->size())))
      return failure();
  return sameAsOperand(*this, 0, types);
}

LogicalResult LogSoftmaxOp::inferShapes(Types &types) {
  if (std::optional<Shape> s = getRankedShape(getInput()))
    if (failed(checkedAxis(*this, (int64_t)getAxis(), s->size())))
      return failure();
  return sameAsOperand(*this, 0, types);
}

LogicalResult DropoutOp::inferShapes(Types &types) {
  std::optional<Shape> s = getRankedShape(getData());
  types.push_back(getData().getType());
  types.push_back(makeTensorType(s ? std::optional<ArrayRef<int64_t>>(*s) : std::nullopt,
                                 IntegerType::get(getContext(), 1)));
  return success();
}

LogicalResult IsNaNOp::inferShapes(Types &types) {
  std::optional<Shape> s = getRankedShape(getX());
  types.push_back(makeTensorType(s ? std::optional<ArrayRef<int64_t>>(*s) : std::nullopt,
                                 IntegerType::get(getContext(), 1)));
  return success();
}

LogicalResult CastOp::inferShapes(Types &types) {
  Type element = convertElementType(getContext(), (int)(int64_t)getTo());
  if (!element)
    return emitOpError("unsupported target element type ")
           << elementTypeName((int)(int64_t)getTo());
  std::optional<Shape> s = getRankedShape(getInput());
  types.push_back(makeTensorType(s ? std::optional<ArrayRef<int64_t>>(*s) : std::nullopt, element));
  return success();
}

LogicalResult CastLikeOp::inferShapes(Types &types) {
  std::optional<Shape> s = getRankedShape(getInput());
  types.push_back(makeTensorType(s ? std::optional<ArrayRef<int64_t>>(*s) : std::nullopt,
                                 getElementType(getTargetType())));
  return success();
}

LogicalResult ConstantOp::inferShapes(Types &types) {
  types.push_back(getValue().getShapedType());
  return success();
}

//===----------------------------------------------------------------------===//
// Broadcasting elementwise ops.
//===----------------------------------------------------------------------===//

#define KILN_BROADCAST(OP, HOW)                                                              \
  LogicalResult OP::inferShapes(Types &types) { return HOW(*this, types); }
KILN_BROADCAST(AddOp, broadcastAll)
KILN_BROADCAST(SubOp, broadcastAll)
KILN_BROADCAST(MulOp, broadcastAll)
KILN_BROADCAST(DivOp, broadcastAll)
KILN_BROADCAST(PowOp, broadcastAll)
KILN_BROADCAST(ModOp, broadcastAll)
KILN_BROADCAST(SumOp, broadcastAll)
KILN_BROADCAST(MaxOp, broadcastAll)
KILN_BROADCAST(MinOp, broadcastAll)
KILN_BROADCAST(AndOp, broadcastToBool)
KILN_BROADCAST(OrOp, broadcastToBool)
KILN_BROADCAST(EqualOp, broadcastToBool)
KILN_BROADCAST(LessOp, broadcastToBool)
KILN_BROADCAST(LessOrEqualOp, broadcastToBool)
KILN_BROADCAST(GreaterOp, broadcastToBool)
KILN_BROADCAST(GreaterOrEqualOp, broadcastToBool)
#undef KILN_BROADCAST

LogicalResult WhereOp::inferShapes(Types &types) {
  if (!getElementType(getCondition()).isInteger(1))
    return emitOpError("condition must be a bool tensor");
  if (getElementType(getX()) != getElementType(getY()))
    return emitOpError("X and Y have different element types: ")
           << getElementType(getX()) << " and " << getElementType(getY());
  return broadcastOperands(*this, getOperands(), getElementType(getX()), types);
}

//===----------------------------------------------------------------------===//
// Linear algebra.
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::inferShapes(Types &types) {
  Type element = getElementType(getA());
  std::optional<Shape> a = getRankedShape(getA()), b = getRankedShape(getB());
  if (!a || !b) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  if (a->empty() || b->empty())
    return emitOpError("operands must have rank >= 1, got ")
           << formatShape(*a) << " and " << formatShape(*b);
  // Rank-1 operands are promoted to matrices and the added dim removed afterwards.
  Shape sa = *a, sb = *b;
  if (sa.size() == 1)
    sa.insert(sa.begin(), 1);
  if (sb.size() == 1)
    sb.push_back(1);
  int64_t k1 = sa.back(), k2 = sb[sb.size() - 2];
  if (k1 != kDynamic && k2 != kDynamic && k1 != k2)
    return emitOpError("contraction dims differ: ")
           << formatShape(*a) << " x " << formatShape(*b);
  FailureOr<Shape> batch = broadcastShapes(ArrayRef(sa).drop_back(2), ArrayRef(sb).drop_back(2));
  if (failed(batch))
    return emitOpError("batch dims are not broadcast-compatible: ")
           << formatShape(*a) << " x " << formatShape(*b);
  Shape out = *batch;
  if (a->size() > 1)
    out.push_back(sa[sa.size() - 2]);
  if (b->size() > 1)
    out.push_back(sb.back());
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult GemmOp::inferShapes(Types &types) {
  Type element = getElementType(getA());
  std::optional<Shape> a = getRankedShape(getA()), b = getRankedShape(getB());
  if (!a || !b) {
    types.push_back(RankedTensorType::get({kDynamic, kDynamic}, element));
    return success();
  }
  if (a->size() != 2 || b->size() != 2)
    return emitOpError("operands must be matrices, got ")
           << formatShape(*a) << " and " << formatShape(*b);
  int64_t m = getTransA() ? (*a)[1] : (*a)[0], ka = getTransA() ? (*a)[0] : (*a)[1];
  int64_t n = getTransB() ? (*b)[0] : (*b)[1], kb = getTransB() ? (*b)[1] : (*b)[0];
  if (ka != kDynamic && kb != kDynamic && ka != kb)
    return emitOpError("contraction dims differ: ") << ka << " vs " << kb;
  if (getC()) {
    if (std::optional<Shape> c = getRankedShape(getC()))
      if (failed(broadcastShapes({m, n}, *c)))
        return emitOpError("C ") << formatShape(*c) << " does not broadcast to [" << m << "," << n
                                 << "]";
  }
  types.push_back(RankedTensorType::get({m, n}, element));
  return success();
}

LogicalResult EinsumOp::inferShapes(Types &types) {
  Type element = getElementType(getInputs()[0]);
  auto unranked = [&] {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  };
  std::string eq;
  for (char c : getEquation())
    if (c != ' ')
      eq.push_back(c);
  size_t arrow = eq.find("->");
  SmallVector<StringRef> terms;
  StringRef(eq).substr(0, arrow).split(terms, ',');
  if (terms.size() != getInputs().size())
    return emitOpError("equation has ") << terms.size() << " operand terms for "
                                        << getInputs().size() << " operands";
  if (eq.find("...") != std::string::npos)
    return unranked();
  llvm::DenseMap<char, int64_t> dims;
  llvm::DenseMap<char, int> count;
  for (auto [term, input] : llvm::zip(terms, getInputs())) {
    std::optional<Shape> s = getRankedShape(input);
    if (s && s->size() != term.size())
      return emitOpError("term '") << term << "' does not match operand rank " << s->size();
    for (auto [i, c] : llvm::enumerate(term)) {
      if (!llvm::isAlpha(c))
        return emitOpError("invalid character '") << c << "' in equation";
      ++count[c];
      int64_t d = s ? (*s)[i] : kDynamic;
      auto [it, inserted] = dims.try_emplace(c, d);
      if (!inserted && it->second != 1 && d != 1 && it->second != kDynamic && d != kDynamic &&
          it->second != d)
        return emitOpError("label '") << c << "' has sizes " << it->second << " and " << d;
      if (!inserted && (it->second == kDynamic || it->second == 1))
        it->second = d;
    }
  }
  std::string outTerm;
  if (arrow != std::string::npos) {
    outTerm = eq.substr(arrow + 2);
  } else {
    for (char c = 'A'; c <= 'z'; ++c)
      if (count.lookup(c) == 1)
        outTerm.push_back(c);
  }
  Shape out;
  for (char c : outTerm) {
    if (!dims.count(c))
      return emitOpError("output label '") << c << "' does not appear in an operand";
    out.push_back(dims[c]);
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult ConvOp::inferShapes(Types &types) {
  Type element = getElementType(getX());
  std::optional<Shape> x = getRankedShape(getX()), w = getRankedShape(getW());
  if (!x || !w) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  if (x->size() < 3 || x->size() != w->size())
    return emitOpError("X ") << formatShape(*x) << " and W " << formatShape(*w)
                             << " must have the same rank >= 3";
  size_t spatial = x->size() - 2;
  auto attrOr = [&](std::optional<ArrayRef<int64_t>> a, int64_t dflt, size_t n) {
    SmallVector<int64_t> v(n, dflt);
    if (a && a->size() == n)
      v.assign(a->begin(), a->end());
    return v;
  };
  for (auto [name, attr, size] :
       {std::tuple<StringRef, std::optional<ArrayRef<int64_t>>, size_t>{"strides", getStrides(),
                                                                         spatial},
        {"dilations", getDilations(), spatial},
        {"pads", getPads(), 2 * spatial},
        {"kernel_shape", getKernelShape(), spatial}})
    if (attr && attr->size() != size)
      return emitOpError() << name << " has " << attr->size() << " entries, expected " << size;
  SmallVector<int64_t> strides = attrOr(getStrides(), 1, spatial);
  SmallVector<int64_t> dilations = attrOr(getDilations(), 1, spatial);
  SmallVector<int64_t> pads = attrOr(getPads(), 0, 2 * spatial);
  if (llvm::any_of(strides, [](int64_t v) { return v <= 0; }) ||
      llvm::any_of(dilations, [](int64_t v) { return v <= 0; }))
    return emitOpError("strides and dilations must be positive");
  if (llvm::any_of(pads, [](int64_t v) { return v < 0; }))
    return emitOpError("pads must be >= 0");
  if ((int64_t)getGroup() <= 0)
    return emitOpError("group must be positive, got ") << (int64_t)getGroup();
  int64_t channels = (*x)[1], group = (int64_t)getGroup();
  if (channels != kDynamic && (*w)[1] != kDynamic && channels != (*w)[1] * group)
    return emitOpError("X has ") << channels << " channels, W expects " << (*w)[1] << " x "
                                 << group << " groups";
  SmallVector<int64_t> kernel(w->begin() + 2, w->end());
  if (auto k = getKernelShape()) {
    for (size_t i = 0; i < spatial; ++i)
      if (kernel[i] != kDynamic && (*k)[i] != kernel[i])
        return emitOpError("kernel_shape ")
               << formatShape(*k) << " disagrees with W " << formatShape(*w);
    kernel.assign(k->begin(), k->end());
  }
  Shape out = {(*x)[0], (*w)[0]};
  StringRef autoPad = getAutoPad();
  for (size_t i = 0; i < spatial; ++i) {
    int64_t in = (*x)[i + 2];
    if (in == kDynamic || kernel[i] == kDynamic) {
      out.push_back(kDynamic);
      continue;
    }
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      out.push_back((in + strides[i] - 1) / strides[i]);
      continue;
    }
    int64_t effectiveKernel = (kernel[i] - 1) * dilations[i] + 1;
    int64_t padded = in + (autoPad == "VALID" ? 0 : pads[i] + pads[i + spatial]);
    if (padded < effectiveKernel)
      return emitOpError("kernel ") << effectiveKernel << " exceeds padded input " << padded;
    out.push_back((padded - effectiveKernel) / strides[i] + 1);
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

//===----------------------------------------------------------------------===//
// Shape manipulation.
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferShapes(Types &types) {
  Type element = getElementType(getData());
  std::optional<Shape> in = getRankedShape(getData());
  if (!in) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  SmallVector<int64_t> perm;
  if (auto p = getPerm())
    perm.assign(p->begin(), p->end());
  else
    for (int64_t i = in->size() - 1; i >= 0; --i)
      perm.push_back(i);
  if (perm.size() != in->size())
    return emitOpError("perm has ") << perm.size() << " entries for rank " << in->size();
  SmallVector<bool> seen(in->size());
  Shape out;
  for (int64_t p : perm) {
    if (p < 0 || p >= (int64_t)in->size() || seen[p])
      return emitOpError("perm is not a permutation of [0, ") << in->size() << ")";
    seen[p] = true;
    out.push_back((*in)[p]);
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult ReshapeOp::inferShapes(Types &types) {
  Type element = getElementType(getData());
  std::optional<Shape> target = getShapeValue(getShape());
  if (!target) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  std::optional<Shape> in = getRankedShape(getData());
  if (getAllowzero() && llvm::is_contained(*target, 0) && llvm::is_contained(*target, -1))
    return emitOpError("shape with allowzero = 1 cannot contain both 0 and -1");
  Shape out;
  int inferIndex = -1;
  for (auto [i, d] : llvm::enumerate(*target)) {
    if (d == 0 && !getAllowzero()) {
      if (!in || i >= in->size()) {
        if (in)
          return emitOpError("shape entry ") << i << " is 0 (copy) beyond the input's rank";
        out.push_back(kDynamic);
      } else {
        out.push_back((*in)[i]);
      }
    } else if (d == -1) {
      if (inferIndex >= 0)
        return emitOpError("shape has more than one -1 entry");
      inferIndex = i;
      out.push_back(kDynamic);
    } else if (d < -1 && d != kDynamic) {
      return emitOpError("shape entry ") << i << " is " << d;
    } else {
      out.push_back(d);
    }
  }
  if (inferIndex >= 0 && in) {
    // The -1 dim is (input elements) / (other output elements). Equal dims cancel even when
    // dynamic: dims copied by a 0 entry, and entries known to equal an input dim -- read off
    // `data` or any tensor whose dim has the same root (so `?x3x4` to `[0, -1]`, `[b, s, 4, 4]`
    // to `[Shape(x)[0], 32, -1]`, and a projection of `h` to `[*h.shape[:-1], -1, 16]` have a
    // static -1).
    SymbolicShape numerator = getSymbolicShape(getData());
    std::optional<SymbolicShape> entries = getSymbolicShapeValue(getShape());
    SymbolicShape denominator;
    SmallVector<bool> cancelled(numerator.size(), false);
    auto cancel = [&](const DimValue &d) {
      for (auto [j, n] : llvm::enumerate(numerator))
        if (!cancelled[j] && n.isSymbol() && d.isSymbol() && dimsKnownEqual(n, d)) {
          cancelled[j] = true;
          return true;
        }
      return false;
    };
    for (auto [i, d] : llvm::enumerate(out)) {
      if ((int)i == inferIndex)
        continue;
      if ((*target)[i] == 0 && !getAllowzero() && i < numerator.size() && !cancelled[i]) {
        cancelled[i] = true; // a copied dim cancels its own input dim
        continue;
      }
      if (entries && i < entries->size() && cancel((*entries)[i]))
        continue;
      denominator.push_back(DimValue{d, nullptr, -1});
    }
    Shape num, den;
    for (auto [j, n] : llvm::enumerate(numerator))
      if (!cancelled[j])
        num.push_back(n.isStatic() ? n.value : kDynamic);
    for (const DimValue &d : denominator)
      den.push_back(d.value);
    std::optional<int64_t> total = getElementCount(num);
    std::optional<int64_t> partial = getElementCount(den);
    if (total && partial && *partial != 0) {
      if (*total % *partial)
        return emitOpError("cannot reshape ") << formatShape(*in) << " to " << formatShape(*target);
      out[inferIndex] = *total / *partial;
    }
  }
  if (in && inferIndex < 0) {
    std::optional<int64_t> a = getElementCount(*in), b = getElementCount(out);
    if (a && b && *a != *b)
      return emitOpError("cannot reshape ") << formatShape(*in) << " (" << *a << " elements) to "
                                            << formatShape(out) << " (" << *b << " elements)";
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult FlattenOp::inferShapes(Types &types) {
  Type element = getElementType(getInput());
  std::optional<Shape> in = getRankedShape(getInput());
  if (!in) {
    types.push_back(RankedTensorType::get({kDynamic, kDynamic}, element));
    return success();
  }
  int64_t rank = in->size();
  int64_t axis = (int64_t)getAxis();
  if (axis < -rank || axis > rank)
    return emitOpError("axis ") << axis << " is out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  auto product = [](ArrayRef<int64_t> dims) {
    std::optional<int64_t> n = getElementCount(dims);
    return n ? *n : kDynamic;
  };
  types.push_back(RankedTensorType::get(
      {product(ArrayRef(*in).take_front(axis)), product(ArrayRef(*in).drop_front(axis))},
      element));
  return success();
}

LogicalResult SqueezeOp::inferShapes(Types &types) {
  Type element = getElementType(getData());
  std::optional<Shape> in = getRankedShape(getData());
  std::optional<SmallVector<int64_t>> axes;
  if (getAxes())
    axes = getConstantInts(getAxes());
  if (!in || (getAxes() && !axes)) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  SmallVector<bool> drop(in->size(), false);
  if (!getAxes()) {
    for (auto [i, d] : llvm::enumerate(*in)) {
      if (d == kDynamic) {
        types.push_back(UnrankedTensorType::get(element));
        return success();
      }
      drop[i] = d == 1;
    }
  }
  for (int64_t axis : axes ? *axes : SmallVector<int64_t>()) {
    FailureOr<int64_t> a = checkedAxis(*this, axis, in->size());
    if (failed(a))
      return failure();
    if ((*in)[*a] != 1 && (*in)[*a] != kDynamic)
      return emitOpError("cannot squeeze axis ") << axis << " of size " << (*in)[*a];
    drop[*a] = true;
  }
  Shape out;
  for (auto [i, d] : llvm::enumerate(*in))
    if (!drop[i])
      out.push_back(d);
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult UnsqueezeOp::inferShapes(Types &types) {
  Type element = getElementType(getData());
  std::optional<Shape> in = getRankedShape(getData());
  std::optional<SmallVector<int64_t>> axes = getConstantInts(getAxes());
  if (!in || !axes) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  int64_t rank = in->size() + axes->size();
  SmallVector<bool> inserted(rank, false);
  for (int64_t axis : *axes) {
    FailureOr<int64_t> a = checkedAxis(*this, axis, rank);
    if (failed(a))
      return failure();
    if (inserted[*a])
      return emitOpError("axis ") << axis << " is repeated";
    inserted[*a] = true;
  }
  Shape out;
  auto next = in->begin();
  for (int64_t i = 0; i < rank; ++i)
    out.push_back(inserted[i] ? 1 : *next++);
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult ConcatOp::inferShapes(Types &types) {
  Type element = getElementType(getInputs()[0]);
  std::optional<Shape> out;
  int64_t axis = 0;
  for (Value input : getInputs()) {
    std::optional<Shape> s = getRankedShape(input);
    if (!s) {
      types.push_back(UnrankedTensorType::get(element));
      return success();
    }
    if (!out) {
      FailureOr<int64_t> a = checkedAxis(*this, (int64_t)getAxis(), s->size());
      if (failed(a))
        return failure();
      axis = *a;
      out = *s;
      continue;
    }
    if (s->size() != out->size())
      return emitOpError("operands have different ranks: ")
             << formatShape(*out) << " and " << formatShape(*s);
    Shape before = *out;
    for (size_t i = 0; i < s->size(); ++i) {
      int64_t &d = (*out)[i];
      if ((int64_t)i == axis) {
        d = (d == kDynamic || (*s)[i] == kDynamic) ? kDynamic : d + (*s)[i];
      } else if (d == kDynamic) {
        d = (*s)[i];
      } else if ((*s)[i] != kDynamic && (*s)[i] != d) {
        return emitOpError("operand dims differ off the concat axis: ")
               << formatShape(before) << " and " << formatShape(*s);
      }
    }
  }
  types.push_back(RankedTensorType::get(*out, element));
  return success();
}

LogicalResult SplitOp::inferShapes(Types &types) {
  Type element = getElementType(getInput());
  size_t n = getNumResults();
  if (n == 0)
    return emitOpError("has no outputs");
  std::optional<Shape> in = getRankedShape(getInput());
  if (!in) {
    types.assign(n, UnrankedTensorType::get(element));
    return success();
  }
  FailureOr<int64_t> axis = checkedAxis(*this, (int64_t)getAxis(), in->size());
  if (failed(axis))
    return failure();
  int64_t dim = (*in)[*axis];
  if (getNumOutputs() && (int64_t)*getNumOutputs() != (int64_t)n)
    return emitOpError("num_outputs is ") << (int64_t)*getNumOutputs() << " but the op has " << n
                                          << " results";
  SmallVector<int64_t> sizes;
  if (getSplit()) {
    std::optional<SmallVector<int64_t>> split = getConstantInts(getSplit());
    if (split) {
      if (split->size() != n)
        return emitOpError("split has ") << split->size() << " entries for " << n << " outputs";
      int64_t total = 0;
      for (int64_t s : *split) {
        if (s < 0)
          return emitOpError("split entries must be >= 0");
        total += s;
      }
      if (dim != kDynamic && total != dim)
        return emitOpError("split sums to ") << total << ", the axis has size " << dim;
      sizes = *split;
    } else {
      sizes.assign(n, kDynamic);
    }
  } else if (dim == kDynamic) {
    sizes.assign(n, kDynamic);
  } else {
    // Equal parts, the last one smaller when the axis does not divide evenly.
    int64_t part = (dim + n - 1) / n;
    for (size_t i = 0; i < n; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(part, dim - (int64_t)i * part)));
  }
  for (int64_t size : sizes) {
    Shape out = *in;
    out[*axis] = size;
    types.push_back(RankedTensorType::get(out, element));
  }
  return success();
}

LogicalResult SliceOp::inferShapes(Types &types) {
  Type element = getElementType(getData());
  std::optional<Shape> in = getRankedShape(getData());
  if (!in) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  auto starts = getConstantInts(getStarts()), ends = getConstantInts(getEnds());
  std::optional<SmallVector<int64_t>> axes, steps;
  if (getAxes())
    axes = getConstantInts(getAxes());
  if (getSteps())
    steps = getConstantInts(getSteps());
  Shape out = *in;
  if (!starts || !ends || (getAxes() && !axes) || (getSteps() && !steps)) {
    // Sliced axes unknown: every axis that may be sliced becomes dynamic.
    if (axes) {
      for (int64_t axis : *axes)
        if (std::optional<int64_t> a = normalizeAxis(axis, in->size()))
          out[*a] = kDynamic;
    } else {
      out.assign(in->size(), kDynamic);
    }
    types.push_back(RankedTensorType::get(out, element));
    return success();
  }
  size_t n = starts->size();
  if (ends->size() != n || (axes && axes->size() != n) || (steps && steps->size() != n))
    return emitOpError("starts, ends, axes and steps must have the same length");
  SmallVector<bool> seen(in->size(), false);
  for (size_t i = 0; i < n; ++i) {
    FailureOr<int64_t> axis = checkedAxis(*this, axes ? (*axes)[i] : (int64_t)i, in->size());
    if (failed(axis))
      return failure();
    if (seen[*axis])
      return emitOpError("axis ") << *axis << " is sliced twice";
    seen[*axis] = true;
    int64_t step = steps ? (*steps)[i] : 1;
    if (step == 0)
      return emitOpError("steps must be non-zero");
    int64_t dim = (*in)[*axis];
    if (dim == kDynamic) {
      out[*axis] = kDynamic;
      continue;
    }
    auto clampIndex = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0)
        v = v < -dim ? lo : v + dim;
      return std::clamp(v, lo, hi);
    };
    int64_t start = step > 0 ? clampIndex((*starts)[i], 0, dim) : clampIndex((*starts)[i], -1, dim - 1);
    int64_t end = step > 0 ? clampIndex((*ends)[i], 0, dim) : clampIndex((*ends)[i], -1, dim - 1);
    int64_t length = step > 0 ? (end - start + step - 1) / step : (start - end - step - 1) / -step;
    out[*axis] = std::max<int64_t>(0, length);
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult GatherOp::inferShapes(Types &types) {
  Type element = getElementType(getData());
  std::optional<Shape> data = getRankedShape(getData()), indices = getRankedShape(getIndices());
  if (!data || !indices) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  FailureOr<int64_t> axis = checkedAxis(*this, (int64_t)getAxis(), data->size());
  if (failed(axis))
    return failure();
  if (auto constIndices = getConstantInts(getIndices()); constIndices && (*data)[*axis] != kDynamic)
    for (int64_t i : *constIndices)
      if (i < -(*data)[*axis] || i >= (*data)[*axis])
        return emitOpError("index ") << i << " is out of range for axis of size " << (*data)[*axis];
  Shape out(data->begin(), data->begin() + *axis);
  out.append(indices->begin(), indices->end());
  out.append(data->begin() + *axis + 1, data->end());
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult GatherElementsOp::inferShapes(Types &types) {
  std::optional<Shape> data = getRankedShape(getData());
  if (data) {
    FailureOr<int64_t> axis = checkedAxis(*this, (int64_t)getAxis(), data->size());
    if (failed(axis))
      return failure();
    int64_t dim = (*data)[*axis];
    if (auto constIndices = getConstantInts(getIndices()); constIndices && dim != kDynamic)
      for (int64_t i : *constIndices)
        if (i < -dim || i >= dim)
          return emitOpError("index ") << i << " is out of range for axis of size " << dim;
  }
  std::optional<Shape> indices = getRankedShape(getIndices());
  types.push_back(makeTensorType(indices ? std::optional<ArrayRef<int64_t>>(*indices)
                                         : std::nullopt,
                                 getElementType(getData())));
  return success();
}

LogicalResult GatherNDOp::inferShapes(Types &types) {
  Type element = getElementType(getData());
  std::optional<Shape> data = getRankedShape(getData()), indices = getRankedShape(getIndices());
  if (!data || !indices || indices->empty() || indices->back() == kDynamic) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  int64_t r = data->size(), q = indices->size(), b = (int64_t)getBatchDims(), k = indices->back();
  if (b < 0 || b >= std::min(r, q))
    return emitOpError("batch_dims ") << b << " must be below both ranks (" << r << " and " << q
                                      << ")";
  if (k < 1 || k > r - b)
    return emitOpError("index tuples of length ") << k << " do not fit data of rank " << r
                                                   << " with " << b << " batch dims";
  for (int64_t i = 0; i < b; ++i)
    if ((*data)[i] != kDynamic && (*indices)[i] != kDynamic && (*data)[i] != (*indices)[i])
      return emitOpError("batch dim ") << i << " differs: " << (*data)[i] << " in data, "
                                       << (*indices)[i] << " in indices";
  Shape out(indices->begin(), indices->end() - 1);
  out.append(data->begin() + b + k, data->end());
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

/// ScatterND and ScatterElements: the result is `data` with some elements replaced.
static LogicalResult inferScatter(Operation *op, Value data, StringRef reduction, Types &types) {
  if (!llvm::is_contained({"none", "add", "mul", "max", "min"}, reduction))
    return op->emitOpError("unknown reduction '") << reduction << "'";
  types.push_back(data.getType());
  return success();
}

LogicalResult ScatterNDOp::inferShapes(Types &types) {
  std::optional<Shape> data = getRankedShape(getData()), indices = getRankedShape(getIndices());
  std::optional<Shape> updates = getRankedShape(getUpdates());
  if (data && indices && updates && !indices->empty() && indices->back() != kDynamic) {
    int64_t r = data->size(), q = indices->size(), k = indices->back();
    if (k > r)
      return emitOpError("index tuples of length ") << k << " exceed the data rank " << r;
    if ((int64_t)updates->size() != q - 1 + r - k)
      return emitOpError("updates of rank ") << updates->size() << " do not match: expected "
                                             << q - 1 + r - k;
  }
  return inferScatter(*this, getData(), getReduction(), types);
}

LogicalResult ScatterElementsOp::inferShapes(Types &types) {
  std::optional<Shape> data = getRankedShape(getData()), indices = getRankedShape(getIndices());
  if (data && failed(checkedAxis(*this, (int64_t)getAxis(), data->size())))
    return failure();
  if (data && indices && data->size() != indices->size())
    return emitOpError("indices of rank ") << indices->size() << " for data of rank "
                                           << data->size();
  return inferScatter(*this, getData(), getReduction(), types);
}

LogicalResult ExpandOp::inferShapes(Types &types) {
  Type element = getElementType(getInput());
  std::optional<Shape> in = getRankedShape(getInput());
  std::optional<Shape> target = getShapeValue(getShape());
  if (!in || !target) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  // A dynamic entry of the target may be 1, so it takes the input's dim when that is known.
  size_t rank = std::max(in->size(), target->size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t a = i < rank - in->size() ? 1 : (*in)[i - (rank - in->size())];
    int64_t b = i < rank - target->size() ? 1 : (*target)[i - (rank - target->size())];
    if (b == kDynamic)
      out[i] = a == 1 ? kDynamic : a;
    else if (a == 1 || b == 1 || a == kDynamic || a == b)
      out[i] = b == 1 ? a : b;
    else
      return emitOpError("cannot expand ") << formatShape(*in) << " to " << formatShape(*target);
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult TileOp::inferShapes(Types &types) {
  Type element = getElementType(getInput());
  std::optional<Shape> in = getRankedShape(getInput());
  std::optional<Shape> repeats = getShapeValue(getRepeats());
  if (!in) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  if (repeats && repeats->size() != in->size())
    return emitOpError("repeats has ") << repeats->size() << " entries for rank " << in->size();
  if (repeats && llvm::any_of(*repeats, [](int64_t r) { return r < 0 && r != kDynamic; }))
    return emitOpError("repeats must be >= 0");
  Shape out;
  for (size_t i = 0; i < in->size(); ++i)
    out.push_back(repeats ? mulDims((*in)[i], (*repeats)[i]) : kDynamic);
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult PadOp::inferShapes(Types &types) {
  Type element = getElementType(getData());
  std::optional<Shape> in = getRankedShape(getData());
  // Entries of pads may be known one by one (a Concat of constants and computed lengths).
  std::optional<Shape> pads = getShapeValue(getPads());
  if (!in) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  SmallVector<int64_t> axes;
  if (getAxes()) {
    std::optional<SmallVector<int64_t>> a = getConstantInts(getAxes());
    if (!a)
      pads.reset();
    else
      for (int64_t axis : *a) {
        FailureOr<int64_t> na = checkedAxis(*this, axis, in->size());
        if (failed(na))
          return failure();
        axes.push_back(*na);
      }
  } else {
    for (size_t i = 0; i < in->size(); ++i)
      axes.push_back(i);
  }
  Shape out = *in;
  if (!pads) {
    out.assign(in->size(), kDynamic);
  } else {
    if (pads->size() != 2 * axes.size())
      return emitOpError("pads has ") << pads->size() << " entries for " << axes.size() << " axes";
    for (auto [i, axis] : llvm::enumerate(axes)) {
      int64_t d = out[axis], low = (*pads)[i], high = (*pads)[i + axes.size()];
      if (low == 0 && high == 0)
        continue;
      out[axis] = d == kDynamic || low == kDynamic || high == kDynamic ? kDynamic : d + low + high;
      if (out[axis] != kDynamic && out[axis] < 0)
        return emitOpError("padding makes axis ") << axis << " negative";
    }
  }
  types.push_back(RankedTensorType::get(out, element));
  return success();
}

LogicalResult ShapeOp::inferShapes(Types &types) {
  Type i64 = IntegerType::get(getContext(), 64);
  std::optional<Shape> in = getRankedShape(getData());
  if (!in) {
    types.push_back(RankedTensorType::get({kDynamic}, i64));
    return success();
  }
  int64_t rank = in->size();
  auto clampIndex = [&](int64_t v) { return std::clamp(v < 0 ? v + rank : v, (int64_t)0, rank); };
  int64_t start = clampIndex((int64_t)getStart());
  int64_t end = clampIndex(getEnd() ? (int64_t)*getEnd() : rank);
  types.push_back(RankedTensorType::get({std::max<int64_t>(0, end - start)}, i64));
  return success();
}

LogicalResult SizeOp::inferShapes(Types &types) {
  types.push_back(RankedTensorType::get({}, IntegerType::get(getContext(), 64)));
  return success();
}

LogicalResult ConstantOfShapeOp::inferShapes(Types &types) {
  Type element = Float32Type::get(getContext());
  if (auto value = getValue()) {
    if (!value->getShapedType().hasStaticShape() || value->getNumElements() != 1)
      return emitOpError("value must hold exactly one element");
    element = value->getElementType();
  }
  if (std::optional<Shape> in = getRankedShape(getInput()); in && in->size() != 1)
    return emitOpError("input must be a 1-D shape, got rank ") << in->size();
  std::optional<Shape> shape = getShapeValue(getInput());
  if (!shape) {
    types.push_back(UnrankedTensorType::get(element));
    return success();
  }
  for (int64_t d : *shape)
    if (d < 0 && d != kDynamic)
      return emitOpError("shape has a negative dim ") << d;
  types.push_back(RankedTensorType::get(*shape, element));
  return success();
}

LogicalResult RangeOp::inferShapes(Types &types) {
  Type element = getElementType(getStart());
  DenseElementsAttr start = getConstantDense(getStart()), limit = getConstantDense(getLimit()),
                    delta = getConstantDense(getDelta());
  int64_t length = kDynamic;
  if (start && limit && delta && start.getNumElements() == 1 && limit.getNumElements() == 1 &&
      delta.getNumElements() == 1) {
    auto asDouble = [](DenseElementsAttr a) {
      if (a.getElementType().isInteger())
        return (double)(*a.getValues<APInt>().begin()).getSExtValue();
      return (*a.getValues<APFloat>().begin()).convertToDouble();
    };
    double d = asDouble(delta);
    if (d == 0)
      return emitOpError("delta must be non-zero");
    double n = std::ceil((asDouble(limit) - asDouble(start)) / d);
    if (!(n < 9.2e18))
      return emitOpError("range has too many elements");
    length = std::max<int64_t>(0, (int64_t)n);
  }
  types.push_back(RankedTensorType::get({length}, element));
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions and normalisations.
//===----------------------------------------------------------------------===//

#define KILN_REDUCE(OP)                                                                      \
  LogicalResult OP::inferShapes(Types &types) {                                              \
    return reduceShape(*this, getData(), getAxes(), getKeepdims(), getNoopWithEmptyAxes(),     \
                       getElementType(getData()), types);                                     \
  }
KILN_REDUCE(ReduceL2Op)
KILN_REDUCE(ReduceMaxOp)
KILN_REDUCE(ReduceMeanOp)
KILN_REDUCE(ReduceMinOp)
KILN_REDUCE(ReduceProdOp)
KILN_REDUCE(ReduceSumOp)
KILN_REDUCE(ReduceSumSquareOp)
#undef KILN_REDUCE

LogicalResult LayerNormalizationOp::inferShapes(Types &types) {
  if (std::optional<Shape> s = getRankedShape(getX()))
    if (failed(checkedAxis(*this, (int64_t)getAxis(), s->size())))
      return failure();
  Type stat = stashType(getContext(), (int64_t)getStashType());
  types.push_back(getX().getType());
  types.push_back(statisticType(getX(), (int64_t)getAxis(), stat));
  types.push_back(statisticType(getX(), (int64_t)getAxis(), stat));
  return success();
}

/// InstanceNormalization and GroupNormalization: [N, C, spatial...] in, the same out, with
/// per-channel scale and bias of shape [C] (GroupNormalization before opset 21: [groups]).
static LogicalResult inferChannelNorm(Operation *op, Value x, Value scale, Types &types) {
  std::optional<Shape> in = getRankedShape(x), s = getRankedShape(scale);
  if (in && in->size() < 2)
    return op->emitOpError("input must be [N, C, ...], got rank ") << in->size();
  if (s && s->size() != 1)
    return op->emitOpError("scale must be 1-D, got rank ") << s->size();
  types.push_back(x.getType());
  return success();
}

LogicalResult InstanceNormalizationOp::inferShapes(Types &types) {
  std::optional<Shape> in = getRankedShape(getInput()), s = getRankedShape(getScale());
  if (in && s && in->size() >= 2 && s->size() == 1 && (*in)[1] != kDynamic &&
      (*s)[0] != kDynamic && (*in)[1] != (*s)[0])
    return emitOpError("scale has ") << (*s)[0] << " entries for " << (*in)[1] << " channels";
  return inferChannelNorm(*this, getInput(), getScale(), types);
}

LogicalResult GroupNormalizationOp::inferShapes(Types &types) {
  std::optional<Shape> in = getRankedShape(getX());
  int64_t groups = (int64_t)getNumGroups();
  if (groups <= 0)
    return emitOpError("num_groups must be positive, got ") << groups;
  if (in && in->size() >= 2 && (*in)[1] != kDynamic && (*in)[1] % groups)
    return emitOpError("") << (*in)[1] << " channels do not divide into " << groups << " groups";
  return inferChannelNorm(*this, getX(), getScale(), types);
}

LogicalResult RMSNormalizationOp::inferShapes(Types &types) {
  if (std::optional<Shape> s = getRankedShape(getX()))
    if (failed(checkedAxis(*this, (int64_t)getAxis(), s->size())))
      return failure();
  types.push_back(getX().getType());
  return success();
}

LogicalResult SimplifiedLayerNormalizationOp::inferShapes(Types &types) {
  types.push_back(getX().getType());
  types.push_back(statisticType(getX(), (int64_t)getAxis(),
                                stashType(getContext(), (int64_t)getStashType())));
  return success();
}

/// SkipLayerNormalization and SkipSimplifiedLayerNormalization: output and sum like the
/// input, mean and inverse deviation reduced over the last axis in f32.
template <typename Op>
static LogicalResult inferSkipNorm(Op op, Types &types) {
  Type input = op.getInput().getType();
  Type stat = statisticType(op.getInput(), -1, Float32Type::get(op.getContext()));
  types.append({input, stat, stat, input});
  return success();
}

/// EmbedLayerNormalization: [batch, seq, hidden] from the ids and the word embedding table,
/// the mask's per-row count of ones as int32 [batch].
LogicalResult MSEmbedLayerNormalizationOp::inferShapes(Types &types) {
  std::optional<Shape> ids = getRankedShape(getInputIds());
  std::optional<Shape> table = getRankedShape(getWordEmbedding());
  if (ids && ids->size() != 2)
    return emitOpError("input_ids must be 2-D [batch, seq], got rank ") << ids->size();
  if (table && table->size() != 2)
    return emitOpError("word_embedding must be 2-D [vocab, hidden], got rank ") << table->size();
  Type element = getElementType(getWordEmbedding());
  Shape out = {ids ? (*ids)[0] : kDynamic, ids ? (*ids)[1] : kDynamic,
               table ? (*table)[1] : kDynamic};
  auto hidden = RankedTensorType::get(out, element);
  types.append({hidden, RankedTensorType::get({out[0]}, IntegerType::get(getContext(), 32)),
                hidden});
  return success();
}

LogicalResult MSSkipLayerNormalizationOp::inferShapes(Types &types) {
  return inferSkipNorm(*this, types);
}

LogicalResult MSSkipSimplifiedLayerNormalizationOp::inferShapes(Types &types) {
  return inferSkipNorm(*this, types);
}

//===----------------------------------------------------------------------===//
// Attention.
//===----------------------------------------------------------------------===//

/// Unranked results of the element type of `like` for every result after the first.
static void appendUnknownResults(Operation *op, Value like, Types &types) {
  while (types.size() < op->getNumResults())
    types.push_back(UnrankedTensorType::get(getElementType(like)));
}

LogicalResult AttentionOp::inferShapes(Types &types) {
  Type element = getElementType(getQ());
  std::optional<Shape> q = getRankedShape(getQ()), v = getRankedShape(getV());
  if (q && q->size() != 3 && q->size() != 4)
    return emitOpError("Q must have rank 3 or 4, got ") << formatShape(*q);
  if (!q || !v || v->size() != q->size()) {
    types.push_back(UnrankedTensorType::get(element));
  } else if (q->size() == 4) {
    types.push_back(RankedTensorType::get({(*q)[0], (*q)[1], (*q)[2], (*v)[3]}, element));
  } else {
    int64_t kvHeads = getKvNumHeads() ? (int64_t)*getKvNumHeads() : kDynamic;
    int64_t qHeads = getQNumHeads() ? (int64_t)*getQNumHeads() : kDynamic;
    int64_t vHead = divDims((*v)[2], kvHeads);
    types.push_back(RankedTensorType::get({(*q)[0], (*q)[1], mulDims(qHeads, vHead)}, element));
  }
  // present_key, present_value: [batch, kv_heads, past + new, head_dim].
  std::optional<Shape> pastK = getPastKey() ? getRankedShape(getPastKey()) : Shape{};
  auto present = [&](Value x) -> Type {
    std::optional<Shape> s = getRankedShape(x);
    if (!s || !pastK || (s->size() != 3 && s->size() != 4) ||
        (getPastKey() && pastK->size() != 4))
      return UnrankedTensorType::get(element);
    int64_t heads = s->size() == 4 ? (*s)[1]
                    : getKvNumHeads() ? (int64_t)*getKvNumHeads()
                                      : kDynamic;
    int64_t dim = s->size() == 4 ? (*s)[3] : divDims((*s)[2], heads);
    int64_t len = s->size() == 4 ? (*s)[2] : (*s)[1];
    if (getPastKey())
      len = len == kDynamic || (*pastK)[2] == kDynamic ? kDynamic : len + (*pastK)[2];
    return RankedTensorType::get({(*s)[0], heads, len, dim}, element);
  };
  types.push_back(present(getK()));
  types.push_back(present(getV()));
  // qk_matmul_output: [batch, q_heads, q_len, past + new].
  if (q && !isa<UnrankedTensorType>(types[1])) {
    int64_t heads = q->size() == 4 ? (*q)[1]
                    : getQNumHeads() ? (int64_t)*getQNumHeads()
                                     : kDynamic;
    types.push_back(RankedTensorType::get(
        {(*q)[0], heads, q->size() == 4 ? (*q)[2] : (*q)[1],
         cast<RankedTensorType>(types[1]).getDimSize(2)},
        element));
  }
  appendUnknownResults(*this, getQ(), types);
  return success();
}

LogicalResult MSAttentionOp::inferShapes(Types &types) {
  Type element = getElementType(getInput());
  std::optional<Shape> in = getRankedShape(getInput()), w = getRankedShape(getWeights());
  if (in && in->size() != 3)
    return emitOpError("input must be [batch, sequence, hidden], got ") << formatShape(*in);
  int64_t vHidden = kDynamic;
  if (auto sizes = getQkvHiddenSizes(); sizes && sizes->size() == 3)
    vHidden = (*sizes)[2];
  else if (w && w->size() == 2)
    vHidden = divDims((*w)[1], 3);
  if (in)
    types.push_back(RankedTensorType::get({(*in)[0], (*in)[1], vHidden}, element));
  else
    types.push_back(UnrankedTensorType::get(element));
  appendUnknownResults(*this, getInput(), types);
  return success();
}

LogicalResult MSMultiHeadAttentionOp::inferShapes(Types &types) {
  Type element = getElementType(getQuery());
  std::optional<Shape> q = getRankedShape(getQuery());
  if (q && q->size() == 3) {
    int64_t hidden = (*q)[2];
    if (getValue())
      if (std::optional<Shape> v = getRankedShape(getValue()))
        hidden = v->size() == 3 ? (*v)[2]
                 : v->size() == 4 ? mulDims((*v)[1], (*v)[3])
                                  : kDynamic;
    types.push_back(RankedTensorType::get({(*q)[0], (*q)[1], hidden}, element));
  } else {
    types.push_back(UnrankedTensorType::get(element));
  }
  appendUnknownResults(*this, getQuery(), types);
  return success();
}

LogicalResult MSGroupQueryAttentionOp::inferShapes(Types &types) {
  Type element = getElementType(getQuery());
  std::optional<Shape> q = getRankedShape(getQuery());
  if (q && q->size() == 3) {
    int64_t hidden = (*q)[2];
    if (!getKey()) {
      // Packed QKV: hidden = (num_heads + 2 * kv_num_heads) * head_size.
      int64_t heads = (int64_t)getNumHeads(), kvHeads = (int64_t)getKvNumHeads();
      hidden = mulDims(heads, divDims(hidden, heads + 2 * kvHeads));
    }
    types.push_back(RankedTensorType::get({(*q)[0], (*q)[1], hidden}, element));
  } else {
    types.push_back(UnrankedTensorType::get(element));
  }
  appendUnknownResults(*this, getQuery(), types);
  return success();
}
