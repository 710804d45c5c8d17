//===- ReductionToLinalg.cpp - onnx reductions and LayerNormalization -----===//
//
// Reductions become one linalg.generic with reduction iterators; keepdims is an output map
// that sends reduced dims to 0. LayerNormalization is built from the same reductions (mean,
// then biased variance) and elementwise ops. Statistics of f16/bf16 inputs accumulate in f32.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "passes/Conversion/LoweringDiagnostics.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx;

namespace {

enum class Combine { Sum, SumSquare, Max, Min, Prod };

Value floatConst(OpBuilder &b, Location loc, Type t, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v));
}

/// The identity of `combine` in type `t` (float, or signless integer read as signed or, with
/// `isUnsigned`, unsigned).
Value identityOf(OpBuilder &b, Location loc, Type t, Combine combine, bool isUnsigned) {
  if (auto f = dyn_cast<FloatType>(t)) {
    double v = combine == Combine::Max    ? -std::numeric_limits<double>::infinity()
               : combine == Combine::Min  ? std::numeric_limits<double>::infinity()
               : combine == Combine::Prod ? 1.0
                                          : 0.0;
    return floatConst(b, loc, t, v);
  }
  unsigned width = t.getIntOrFloatBitWidth();
  APInt v = combine == Combine::Max    ? (isUnsigned ? APInt::getMinValue(width)
                                                     : APInt::getSignedMinValue(width))
            : combine == Combine::Min  ? (isUnsigned ? APInt::getMaxValue(width)
                                                     : APInt::getSignedMaxValue(width))
            : combine == Combine::Prod ? APInt(width, 1)
                                       : APInt(width, 0);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, v));
}

/// One step of `combine`: acc (+, max, min, *) x, or acc + x*x.
Value combineValues(OpBuilder &b, Location loc, Combine combine, bool isUnsigned, Value acc,
                    Value x) {
  if (isa<FloatType>(x.getType())) {
    switch (combine) {
    case Combine::Sum:
      return arith::AddFOp::create(b, loc, acc, x);
    case Combine::SumSquare:
      return arith::AddFOp::create(b, loc, acc, arith::MulFOp::create(b, loc, x, x));
    case Combine::Max:
      return arith::MaximumFOp::create(b, loc, acc, x);
    case Combine::Min:
      return arith::MinimumFOp::create(b, loc, acc, x);
    case Combine::Prod:
      return arith::MulFOp::create(b, loc, acc, x);
    }
  }
  switch (combine) {
  case Combine::Sum:
    return arith::AddIOp::create(b, loc, acc, x);
  case Combine::SumSquare:
    return arith::AddIOp::create(b, loc, acc, arith::MulIOp::create(b, loc, x, x));
  case Combine::Max:
    return isUnsigned ? Value(arith::MaxUIOp::create(b, loc, acc, x))
                      : Value(arith::MaxSIOp::create(b, loc, acc, x));
  case Combine::Min:
    return isUnsigned ? Value(arith::MinUIOp::create(b, loc, acc, x))
                      : Value(arith::MinSIOp::create(b, loc, acc, x));
  case Combine::Prod:
    return arith::MulIOp::create(b, loc, acc, x);
  }
  llvm_unreachable("every Combine is handled");
}

/// Reduces `input` (float, or signless integer: signed, or unsigned with `isUnsigned`) over the
/// dims marked in `reduced`, keeping them as 1s when `keepDims`. The accumulator and the result
/// have element type `acc`.
Value buildReduction(OpBuilder &b, Location loc, Value input, ArrayRef<bool> reduced,
                     bool keepDims, Type acc, Combine combine, bool isUnsigned = false) {
  auto in = cast<RankedTensorType>(input.getType());
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamicSizes;
  SmallVector<AffineExpr> outExprs;
  for (int64_t i = 0; i < in.getRank(); ++i) {
    if (reduced[i]) {
      if (keepDims) {
        shape.push_back(1);
        outExprs.push_back(getAffineConstantExpr(0, ctx));
      }
      continue;
    }
    shape.push_back(in.getDimSize(i));
    if (in.isDynamicDim(i))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, i));
    outExprs.push_back(getAffineDimExpr(i, ctx));
  }
  auto resultType = RankedTensorType::get(shape, acc);
  // Unsigned integers compute as the signless integers of their width (arith has no unsigned
  // types); the scalar casts disappear in the LLVM lowering.
  Type compute = signlessOf(b, acc);
  Value empty = tensor::EmptyOp::create(b, loc, resultType, dynamicSizes);
  Value init = linalg::FillOp::create(
                   b, loc, castIntegerBits(b, loc, identityOf(b, loc, compute, combine, isUnsigned), acc),
                   empty)
                   .getResult(0);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(in.getRank()),
                                 AffineMap::get(in.getRank(), 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators;
  for (bool r : reduced)
    iterators.push_back(r ? utils::IteratorType::reduction : utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{input}, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value x = args[0];
        if (isa<FloatType>(x.getType()) && x.getType() != acc)
          x = arith::ExtFOp::create(nb, l, acc, x);
        Value r = combineValues(nb, l, combine, isUnsigned, castIntegerBits(nb, l, args[1], compute),
                                castIntegerBits(nb, l, x, compute));
        r = castIntegerBits(nb, l, r, acc);
        linalg::YieldOp::create(nb, l, r);
      });
  return generic.getResult(0);
}

/// The number of elements in the reduced dims, as a float scalar of type `t`.
Value reducedCount(OpBuilder &b, Location loc, Value input, ArrayRef<bool> reduced, Type t) {
  Value n = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [i, r] : llvm::enumerate(reduced))
    if (r)
      n = arith::MulIOp::create(b, loc, n, tensor::DimOp::create(b, loc, input, i));
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), n);
  return arith::SIToFPOp::create(b, loc, t, i64);
}

/// The dims a normalisation over `axis` and everything after it reduces.
SmallVector<bool> normalizedDims(int64_t rank, int64_t axis) {
  if (axis < 0)
    axis += rank;
  SmallVector<bool> reduced(rank, false);
  for (int64_t i = axis; i < rank; ++i)
    reduced[i] = true;
  return reduced;
}

Type accumulatorType(OpBuilder &b, Type element) {
  return isa<Float16Type, BFloat16Type>(element) ? Type(b.getF32Type()) : element;
}

/// Casts a float tensor elementwise to `element` (no-op when it already has it).
Value castTensor(OpBuilder &b, Location loc, Value v, Type element) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getElementType() == element)
    return v;
  bool widen = element.getIntOrFloatBitWidth() > t.getElementTypeBitWidth();
  return *buildElementwise(b, loc, t.clone(element), ValueRange{v},
                           [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                             if (widen)
                               return arith::ExtFOp::create(nb, l, element, a[0]);
                             return arith::TruncFOp::create(nb, l, element, a[0]);
                           });
}

/// `v` converted to the element type and (possibly more static) type of `result`.
Value castToResult(OpBuilder &b, Location loc, Value v, RankedTensorType result) {
  v = castTensor(b, loc, v, result.getElementType());
  return v.getType() == result ? v : tensor::CastOp::create(b, loc, result, v).getResult();
}

/// A reduction whose axes are a run-time tensor (n of them): which dims are reduced is known
/// only when it runs, so the reduction is a loop nest over the input accumulating into the
/// element of the result its index maps to (reduced dims to 0, or dropped without keepdims).
/// Sequential; models never need it (their axes are constants), node tests do.
Value buildRuntimeAxesReduction(OpBuilder &b, Location loc, Value data, Value axes,
                                bool keepDims, Combine combine, bool mean, bool l2,
                                RankedTensorType result) {
  auto in = cast<RankedTensorType>(data.getType());
  int64_t rank = in.getRank();
  int64_t n = cast<RankedTensorType>(axes.getType()).getDimSize(0);
  Type element = in.getElementType();
  Type acc = isa<FloatType>(element) ? accumulatorType(b, element) : element;
  auto idx = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  Value rankV = idx(rank);
  // reduced[i]: some axes[k] (negative counting from the end) is i.
  SmallVector<Value> reduced(rank, arith::ConstantIntOp::create(b, loc, 0, 1));
  for (int64_t k = 0; k < n; ++k) {
    Value a = arith::IndexCastOp::create(
        b, loc, b.getIndexType(), tensor::ExtractOp::create(b, loc, axes, ValueRange{idx(k)}));
    Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, a, idx(0));
    a = arith::SelectOp::create(b, loc, neg, arith::AddIOp::create(b, loc, a, rankV), a);
    for (int64_t i = 0; i < rank; ++i)
      reduced[i] = arith::OrIOp::create(
          b, loc, reduced[i], arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, a, idx(i)));
  }
  // Without keepdims, result dim j is the j-th kept input dim: kept[i] and position[i].
  SmallVector<Value> position(rank);
  Value count = idx(0);
  for (int64_t i = 0; i < rank; ++i) {
    position[i] = count;
    Value kept = arith::XOrIOp::create(b, loc, reduced[i], arith::ConstantIntOp::create(b, loc, 1, 1));
    count = arith::AddIOp::create(b, loc, count, arith::IndexCastOp::create(b, loc, b.getIndexType(), arith::ExtUIOp::create(b, loc, b.getI64Type(), kept)));
  }
  // Maps input coordinates (or sizes) to result coordinates (sizes): `fill` for reduced dims.
  auto toResult = [&](OpBuilder &nb, Location l, ArrayRef<Value> ins, Value fill) {
    SmallVector<Value> out;
    if (keepDims) {
      for (int64_t i = 0; i < rank; ++i)
        out.push_back(arith::SelectOp::create(nb, l, reduced[i], fill, ins[i]));
      return out;
    }
    for (int64_t j = 0; j < result.getRank(); ++j) {
      Value v = arith::ConstantIndexOp::create(nb, l, 0);
      for (int64_t i = 0; i < rank; ++i) {
        Value here = arith::AndIOp::create(
            nb, l, arith::XOrIOp::create(nb, l, reduced[i], arith::ConstantIntOp::create(nb, l, 1, 1)),
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, position[i],
                                  arith::ConstantIndexOp::create(nb, l, j)));
        v = arith::SelectOp::create(nb, l, here, ins[i], v);
      }
      out.push_back(v);
    }
    return out;
  };
  SmallVector<Value> inSizes;
  for (int64_t i = 0; i < rank; ++i)
    inSizes.push_back(dimOf(b, loc, data, i));
  SmallVector<Value> outSizes = toResult(b, loc, inSizes, idx(1));
  SmallVector<OpFoldResult> sizes(outSizes.begin(), outSizes.end());
  Value init = linalg::FillOp::create(b, loc, identityOf(b, loc, acc, combine, false),
                                      tensor::EmptyOp::create(b, loc, sizes, acc).getResult())
                   .getResult(0);
  SmallVector<Value> lbs(rank, idx(0)), steps(rank, idx(1));
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, inSizes, steps, ValueRange{init},
      [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange carried) -> scf::ValueVector {
        SmallVector<Value> ivList(ivs.begin(), ivs.end());
        SmallVector<Value> target = toResult(nb, l, ivList, arith::ConstantIndexOp::create(nb, l, 0));
        Value x = tensor::ExtractOp::create(nb, l, data, ivs);
        if (x.getType() != acc)
          x = arith::ExtFOp::create(nb, l, acc, x);
        Value old = tensor::ExtractOp::create(nb, l, carried[0], target);
        Value v = combineValues(nb, l, combine, false, old, x);
        return {tensor::InsertOp::create(nb, l, v, carried[0], target)};
      });
  Value r = nest.results.front();
  if (mean || l2) {
    // Mean: divide by the product of the reduced dims; L2: the square root.
    Value elems = idx(1);
    for (int64_t i = 0; i < rank; ++i)
      elems = arith::MulIOp::create(b, loc, elems,
                                    arith::SelectOp::create(b, loc, reduced[i], inSizes[i], idx(1)));
    Value countF = arith::SIToFPOp::create(
        b, loc, acc, arith::IndexCastOp::create(b, loc, b.getI64Type(), elems));
    r = *buildElementwise(b, loc, cast<RankedTensorType>(r.getType()), ValueRange{r},
                          [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                            if (l2)
                              return math::SqrtOp::create(nb, l, a[0]);
                            return arith::DivFOp::create(nb, l, a[0], countF);
                          });
  }
  return castToResult(b, loc, r, result);
}

template <typename OpTy, Combine C>
struct ReduceToLinalg : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    constexpr bool floatOnly =
        std::is_same_v<OpTy, ReduceMeanOp> || std::is_same_v<OpTy, ReduceL2Op>;
    if (!in || !result)
      return kiln::rejectLowering(rewriter, op, "rank unknown");
    Type element = in.getElementType();
    if (!isa<FloatType>(element) &&
        (floatOnly || !isa<IntegerType>(element) || element.isInteger(1)))
      return kiln::rejectLowering(rewriter, op, "element type not supported for this reduction");
    SmallVector<int64_t> axes;
    if (op.getAxes()) {
      std::optional<SmallVector<int64_t>> a = getConstantInts(op.getAxes());
      auto axesType = cast<RankedTensorType>(adaptor.getAxes().getType());
      if (!a && axesType.getRank() == 1 && axesType.getDimSize(0) == 0)
        a.emplace(); // empty, whatever produces it
      if (!a) {
        if (axesType.getRank() != 1 || axesType.isDynamicDim(0) ||
            element.isUnsignedInteger() || result.getRank() != (op.getKeepdims()
                                                                     ? in.getRank()
                                                                     : in.getRank() -
                                                                           axesType.getDimSize(0)))
          return kiln::rejectLowering(rewriter, op, "axes are neither constant nor a 1-D tensor "
                                                    "of static length");
        rewriter.replaceOp(op, buildRuntimeAxesReduction(rewriter, op.getLoc(), adaptor.getData(),
                                                         adaptor.getAxes(), op.getKeepdims(), C,
                                                         std::is_same_v<OpTy, ReduceMeanOp>,
                                                         std::is_same_v<OpTy, ReduceL2Op>,
                                                         result));
        return success();
      }
      axes = *a;
    }
    if (axes.empty() && op.getNoopWithEmptyAxes()) {
      rewriter.replaceOp(op, adaptor.getData());
      return success();
    }
    SmallVector<bool> reduced(in.getRank(), axes.empty());
    for (int64_t a : axes)
      reduced[a < 0 ? a + in.getRank() : a] = true;
    Location loc = op.getLoc();
    if (!isa<FloatType>(element)) {
      // Integers reduce in their own type (unsigned ones on their bits, unsigned ordering).
      Value r = buildReduction(rewriter, loc, adaptor.getData(), reduced, op.getKeepdims(),
                               element, C, element.isUnsignedInteger());
      if (r.getType() != result)
        r = tensor::CastOp::create(rewriter, loc, result, r);
      rewriter.replaceOp(op, r);
      return success();
    }
    Type acc = accumulatorType(rewriter, element);
    Value r = buildReduction(rewriter, loc, adaptor.getData(), reduced, op.getKeepdims(), acc, C);
    auto rType = cast<RankedTensorType>(r.getType());
    if constexpr (std::is_same_v<OpTy, ReduceMeanOp>) {
      Value n = reducedCount(rewriter, loc, adaptor.getData(), reduced, acc);
      r = *buildElementwise(rewriter, loc, rType, ValueRange{r},
                            [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                              return arith::DivFOp::create(b, l, a[0], n);
                            });
    } else if constexpr (std::is_same_v<OpTy, ReduceL2Op>) {
      r = *buildElementwise(rewriter, loc, rType, ValueRange{r},
                            [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                              return math::SqrtOp::create(b, l, a[0]);
                            });
    }
    rewriter.replaceOp(op, castToResult(rewriter, loc, r, result));
    return success();
  }
};

struct LayerNormToLinalg : OpConversionPattern<LayerNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LayerNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!in || !isa<FloatType>(in.getElementType()) ||
        !isa<RankedTensorType>(adaptor.getScale().getType()) ||
        (adaptor.getB() && !isa<RankedTensorType>(adaptor.getB().getType())))
      return kiln::rejectLowering(rewriter, op, "rank unknown or not a float tensor");
    for (Value r : op->getResults())
      if (!isa<RankedTensorType>(r.getType()))
        return kiln::rejectLowering(rewriter, op, "result rank unknown");
    Location loc = op.getLoc();
    LayerNormValues norm =
        buildLayerNorm(rewriter, loc, adaptor.getX(), adaptor.getScale(), adaptor.getB(),
                       (int64_t)op.getAxis(), op.getEpsilon().convertToFloat());
    auto castResult = [&](Value v, Value like) {
      return castToResult(rewriter, loc, v, cast<RankedTensorType>(like.getType()));
    };
    rewriter.replaceOp(op, {castResult(norm.y, op.getY()), castResult(norm.mean, op.getMean()),
                            castResult(norm.invStd, op.getInvStdDev())});
    return success();
  }
};

/// `t` [C] as [C, 1, ..., 1] of rank `rank` (numpy-broadcasts along dim -rank of a tensor).
Value alongDim(OpBuilder &b, Location loc, Value t, int64_t rank) {
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<int64_t> shape = {type.getDimSize(0)};
  shape.append(rank - 1, 1);
  SmallVector<ReassociationIndices> groups = {llvm::to_vector(llvm::seq<int64_t>(0, rank))};
  return tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(shape, type.getElementType()),
                                       t, groups);
}

/// InstanceNormalization: each (n, c) normalised over the spatial dims, then scale[c] and
/// B[c] -- a layer norm from axis 2 with the affine along the channel dim.
struct InstanceNormToLinalg : OpConversionPattern<InstanceNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(InstanceNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    auto scale = dyn_cast<RankedTensorType>(adaptor.getScale().getType());
    auto bias = dyn_cast<RankedTensorType>(adaptor.getB().getType());
    if (!in || !result || !scale || !bias || in.getRank() < 3 || scale.getRank() != 1 ||
        bias.getRank() != 1)
      return kiln::rejectLowering(rewriter, op, "ranks unknown or input below rank 3");
    Location loc = op.getLoc();
    int64_t spatial = in.getRank() - 1;
    LayerNormValues norm = buildLayerNorm(
        rewriter, loc, adaptor.getInput(), alongDim(rewriter, loc, adaptor.getScale(), spatial),
        alongDim(rewriter, loc, adaptor.getB(), spatial), 2, op.getEpsilon().convertToFloat());
    rewriter.replaceOp(op, castToResult(rewriter, loc, norm.y, result));
    return success();
  }
};

/// GroupNormalization: the channels viewed as [groups, C/groups], each (n, group) normalised
/// over its channels and spatial dims, then the affine per channel (scale/bias [C], opset 21)
/// or per group ([groups], opset 18), and the view undone.
struct GroupNormToLinalg : OpConversionPattern<GroupNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GroupNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    auto scale = dyn_cast<RankedTensorType>(adaptor.getScale().getType());
    auto bias = dyn_cast<RankedTensorType>(adaptor.getBias().getType());
    int64_t groups = (int64_t)op.getNumGroups();
    if (!in || !result || !scale || !bias || in.getRank() < 3 || in.isDynamicDim(1) ||
        scale.getRank() != 1 || bias.getRank() != 1 || scale.isDynamicDim(0))
      return kiln::rejectLowering(rewriter, op, "ranks unknown, input below rank 3 or channels "
                                                "dynamic");
    int64_t channels = in.getDimSize(1), rank = in.getRank();
    bool perGroup = scale.getDimSize(0) == groups && groups != channels;
    if (channels % groups || (!perGroup && scale.getDimSize(0) != channels))
      return kiln::rejectLowering(rewriter, op, "scale matches neither the channels nor the "
                                                "groups");
    Location loc = op.getLoc();
    // [N, C, S...] -> [N, G, C/G, S...]
    SmallVector<int64_t> grouped = {in.getDimSize(0), groups, channels / groups};
    grouped.append(in.getShape().begin() + 2, in.getShape().end());
    SmallVector<ReassociationIndices> split = {{0}, {1, 2}};
    for (int64_t i = 2; i < rank; ++i)
      split.push_back({i + 1});
    SmallVector<OpFoldResult> groupedSizes = {
        tensor::getMixedSize(rewriter, loc, adaptor.getX(), 0), rewriter.getIndexAttr(groups),
        rewriter.getIndexAttr(channels / groups)};
    for (int64_t i = 2; i < rank; ++i)
      groupedSizes.push_back(tensor::getMixedSize(rewriter, loc, adaptor.getX(), i));
    Value x = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get(grouped, in.getElementType()), adaptor.getX(), split,
        groupedSizes);
    // The affine as [G, C/G, 1...] (per channel) or [G, 1, 1...] (per group).
    auto affine = [&](Value t) -> Value {
      auto type = cast<RankedTensorType>(t.getType());
      SmallVector<int64_t> shape = perGroup ? SmallVector<int64_t>{groups, 1}
                                            : SmallVector<int64_t>{groups, channels / groups};
      shape.append(rank - 2, 1);
      SmallVector<ReassociationIndices> g = {llvm::to_vector(llvm::seq<int64_t>(0, rank))};
      return tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, type.getElementType()), t, g);
    };
    LayerNormValues norm =
        buildLayerNorm(rewriter, loc, x, affine(adaptor.getScale()), affine(adaptor.getBias()), 2,
                       op.getEpsilon().convertToFloat());
    auto normType = cast<RankedTensorType>(norm.y.getType());
    SmallVector<int64_t> flat(in.getShape());
    Value y = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get(flat, normType.getElementType()), norm.y, split);
    rewriter.replaceOp(op, castToResult(rewriter, loc, y, result));
    return success();
  }
};

/// RMSNormalization: x / sqrt(mean(x^2 over axis..) + epsilon) * scale.
struct RMSNormToLinalg : OpConversionPattern<RMSNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RMSNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!in || !result || !isa<FloatType>(in.getElementType()) ||
        !isa<RankedTensorType>(adaptor.getScale().getType()))
      return kiln::rejectLowering(rewriter, op, "rank unknown or not a float tensor");
    Value y = buildRMSNorm(rewriter, op.getLoc(), adaptor.getX(), adaptor.getScale(),
                           (int64_t)op.getAxis(), op.getEpsilon().convertToFloat());
    rewriter.replaceOp(op, castToResult(rewriter, op.getLoc(), y, result));
    return success();
  }
};

/// LogSoftmax as x - max - log(sum(exp(x - max))), stable for any range of inputs.
struct LogSoftmaxToLinalg : OpConversionPattern<LogSoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LogSoftmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!result || !isa<FloatType>(result.getElementType()))
      return kiln::rejectLowering(rewriter, op, "rank unknown or not a float tensor");
    int64_t rank = result.getRank(), axis = (int64_t)op.getAxis();
    if (axis < -rank || axis >= rank)
      return kiln::rejectLowering(rewriter, op, "axis out of range");
    if (axis < 0)
      axis += rank;
    Location loc = op.getLoc();
    Type acc = accumulatorType(rewriter, result.getElementType());
    Value x = castTensor(rewriter, loc, adaptor.getInput(), acc);
    auto xType = cast<RankedTensorType>(x.getType());
    SmallVector<bool> reduced(rank, false);
    reduced[axis] = true;
    Value max = buildReduction(rewriter, loc, x, reduced, true, acc, Combine::Max);
    Value shifted = *buildElementwise(rewriter, loc, xType, ValueRange{x, max},
                                      [](OpBuilder &b, Location l, ValueRange a) -> Value {
                                        return arith::SubFOp::create(b, l, a[0], a[1]);
                                      });
    Value exps = *buildElementwise(rewriter, loc, xType, ValueRange{shifted},
                                   [](OpBuilder &b, Location l, ValueRange a) -> Value {
                                     return math::ExpOp::create(b, l, a[0]);
                                   });
    Value sum = buildReduction(rewriter, loc, exps, reduced, true, acc, Combine::Sum);
    Value out = *buildElementwise(rewriter, loc, xType, ValueRange{shifted, sum},
                                  [](OpBuilder &b, Location l, ValueRange a) -> Value {
                                    return arith::SubFOp::create(b, l, a[0],
                                                                 math::LogOp::create(b, l, a[1]));
                                  });
    rewriter.replaceOp(op, castToResult(rewriter, loc, out, result));
    return success();
  }
};

} // namespace


kiln::LayerNormValues kiln::buildLayerNorm(OpBuilder &b, Location loc, Value input, Value scale,
                                           Value bias, int64_t axis, float epsilon) {
  auto in = cast<RankedTensorType>(input.getType());
  SmallVector<bool> reduced = normalizedDims(in.getRank(), axis);
  Type acc = accumulatorType(b, in.getElementType());
  Value x = castTensor(b, loc, input, acc);
  auto xType = cast<RankedTensorType>(x.getType());
  Value n = reducedCount(b, loc, x, reduced, acc);
  auto divideByN = [&](Value v) {
    return *buildElementwise(b, loc, cast<RankedTensorType>(v.getType()), ValueRange{v},
                             [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                               return arith::DivFOp::create(nb, l, a[0], n);
                             });
  };
  Value mean = divideByN(buildReduction(b, loc, x, reduced, true, acc, Combine::Sum));
  Value centered = *buildElementwise(b, loc, xType, ValueRange{x, mean},
                                     [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                                       return arith::SubFOp::create(nb, l, a[0], a[1]);
                                     });
  Value var = divideByN(buildReduction(b, loc, centered, reduced, true, acc, Combine::SumSquare));
  Value invStd = *buildElementwise(
      b, loc, cast<RankedTensorType>(var.getType()), ValueRange{var},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value e = arith::AddFOp::create(nb, l, a[0], floatConst(nb, l, acc, epsilon));
        // 1/sqrt rather than math.rsqrt, which has no libm function to lower to.
        return arith::DivFOp::create(nb, l, floatConst(nb, l, acc, 1.0),
                                     math::SqrtOp::create(nb, l, e));
      });
  SmallVector<Value> operands = {centered, invStd, castTensor(b, loc, scale, acc)};
  if (bias)
    operands.push_back(castTensor(b, loc, bias, acc));
  Value y = *buildElementwise(b, loc, xType, operands,
                              [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                                Value r = arith::MulFOp::create(nb, l, a[0], a[1]);
                                r = arith::MulFOp::create(nb, l, r, a[2]);
                                if (a.size() > 3)
                                  r = arith::AddFOp::create(nb, l, r, a[3]);
                                return r;
                              });
  return {y, mean, invStd};
}

Value kiln::buildRMSNorm(OpBuilder &b, Location loc, Value input, Value scale, int64_t axis,
                         float epsilon) {
  auto in = cast<RankedTensorType>(input.getType());
  SmallVector<bool> reduced = normalizedDims(in.getRank(), axis);
  Type acc = accumulatorType(b, in.getElementType());
  Value x = castTensor(b, loc, input, acc);
  Value n = reducedCount(b, loc, x, reduced, acc);
  Value sumSq = buildReduction(b, loc, x, reduced, true, acc, Combine::SumSquare);
  Value invRms = *buildElementwise(
      b, loc, cast<RankedTensorType>(sumSq.getType()), ValueRange{sumSq},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value mean = arith::DivFOp::create(nb, l, a[0], n);
        Value e = arith::AddFOp::create(nb, l, mean, floatConst(nb, l, acc, epsilon));
        return arith::DivFOp::create(nb, l, floatConst(nb, l, acc, 1.0),
                                     math::SqrtOp::create(nb, l, e));
      });
  Value scaled = castTensor(b, loc, scale, acc);
  return *buildElementwise(b, loc, cast<RankedTensorType>(x.getType()),
                           ValueRange{x, invRms, scaled},
                           [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                             return arith::MulFOp::create(
                                 nb, l, arith::MulFOp::create(nb, l, a[0], a[1]), a[2]);
                           });
}

Value kiln::castToResultType(OpBuilder &b, Location loc, Value v, RankedTensorType result) {
  return castToResult(b, loc, v, result);
}

void kiln::populateNormalizationToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceToLinalg<ReduceSumOp, Combine::Sum>,
               ReduceToLinalg<ReduceMeanOp, Combine::Sum>,
               ReduceToLinalg<ReduceMaxOp, Combine::Max>,
               ReduceToLinalg<ReduceMinOp, Combine::Min>,
               ReduceToLinalg<ReduceProdOp, Combine::Prod>,
               ReduceToLinalg<ReduceSumSquareOp, Combine::SumSquare>,
               ReduceToLinalg<ReduceL2Op, Combine::SumSquare>, LayerNormToLinalg,
               InstanceNormToLinalg, GroupNormToLinalg,
               LogSoftmaxToLinalg, RMSNormToLinalg>(
      patterns.getContext());
}
