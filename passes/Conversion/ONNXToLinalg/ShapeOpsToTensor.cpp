//===- ShapeOpsToTensor.cpp - onnx shape and data-movement ops -> tensor --===//
//
// Shape, Size, Reshape-like ops (Reshape, Flatten, Squeeze, Unsqueeze), Concat, Slice,
// Gather, Expand, Range and ConstantOfShape. Runtime shape tensors (the Shape -> Gather ->
// Concat chains that folding could not remove because a dim is dynamic) are read with
// tensor.extract, so dynamic batch and sequence sizes work end to end.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "passes/Conversion/LoweringDiagnostics.h"

#include "dialects/ONNX/NodeLocation.h"
#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx;

namespace {


/// tensor.reshape of `input` to `sizes` (static dims of `resultType` win over `sizes`).
Value reshapeTo(OpBuilder &b, Location loc, Value input, RankedTensorType resultType,
                ArrayRef<Value> sizes) {
  SmallVector<Value> dims;
  for (int64_t i = 0; i < resultType.getRank(); ++i)
    dims.push_back(arith::IndexCastOp::create(
        b, loc, b.getI64Type(),
        resultType.isDynamicDim(i) ? sizes[i] : indexConst(b, loc, resultType.getDimSize(i))));
  Value shape = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({resultType.getRank()}, b.getI64Type()), dims);
  return tensor::ReshapeOp::create(b, loc, resultType, input, shape);
}

bool isRanked(Value v) { return isa<RankedTensorType>(v.getType()); }

struct ShapeToTensor : OpConversionPattern<ShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ShapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    if (!in)
      return kiln::rejectLowering(rewriter, op, "input rank unknown");
    int64_t rank = in.getRank();
    auto clampIndex = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
    int64_t start = clampIndex((int64_t)op.getStart());
    int64_t end = clampIndex(op.getEnd() ? (int64_t)*op.getEnd() : rank);
    SmallVector<Value> dims;
    for (int64_t i = start; i < end; ++i)
      dims.push_back(arith::IndexCastOp::create(rewriter, op.getLoc(), rewriter.getI64Type(),
                                                dimOf(rewriter, op.getLoc(), adaptor.getData(), i)));
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getType(), dims);
    return success();
  }
};

/// Reshape, Flatten, Squeeze, Unsqueeze: the result's dynamic sizes are computed, then one
/// tensor.reshape. Reshape's shape operand is read at run time with ONNX's 0 / -1 rules.
template <typename OpTy>
struct ReshapeLikeToTensor : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getOperands()[0];
    auto in = dyn_cast<RankedTensorType>(input.getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!in || !result)
      return kiln::rejectLowering(rewriter, op, "rank unknown");
    Location loc = op.getLoc();
    SmallVector<Value> sizes;
    if (result.hasStaticShape()) {
      sizes.assign(result.getRank(), Value());
    } else if constexpr (std::is_same_v<OpTy, ReshapeOp>) {
      sizes = reshapeSizes(rewriter, loc, op, input, adaptor.getShape());
    } else if constexpr (std::is_same_v<OpTy, FlattenOp>) {
      int64_t axis = (int64_t)op.getAxis();
      if (axis < 0)
        axis += in.getRank();
      Value outer = indexConst(rewriter, loc, 1), inner = indexConst(rewriter, loc, 1);
      for (int64_t i = 0; i < in.getRank(); ++i) {
        Value &part = i < axis ? outer : inner;
        part = arith::MulIOp::create(rewriter, loc, part, dimOf(rewriter, loc, input, i));
      }
      sizes = {outer, inner};
    } else {
      // Squeeze and Unsqueeze: result dims are the input dims with the (constant) axes
      // removed or inserted as 1.
      std::optional<SmallVector<int64_t>> axes;
      if (adaptor.getOperands().size() > 1)
        axes = getConstantInts(op->getOperand(1));
      if (!axes)
        return kiln::rejectLowering(rewriter, op, "axes are not constant");
      constexpr bool inserting = std::is_same_v<OpTy, UnsqueezeOp>;
      int64_t rank = inserting ? result.getRank() : in.getRank();
      SmallVector<bool> marked(rank, false);
      for (int64_t a : *axes)
        marked[a < 0 ? a + rank : a] = true;
      for (int64_t i = 0, j = 0; i < (inserting ? result.getRank() : in.getRank()); ++i) {
        if (inserting) {
          sizes.push_back(marked[i] ? indexConst(rewriter, loc, 1)
                                    : dimOf(rewriter, loc, input, j++));
        } else if (!marked[i]) {
          sizes.push_back(dimOf(rewriter, loc, input, i));
        }
      }
    }
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, input, result, sizes));
    return success();
  }

  /// ONNX Reshape sizes at run time: 0 copies the input dim (unless allowzero), -1 takes the
  /// remaining element count.
  static SmallVector<Value> reshapeSizes(OpBuilder &b, Location loc, ReshapeOp op, Value input,
                                         Value shape) {
    auto result = cast<RankedTensorType>(op.getType());
    auto in = cast<RankedTensorType>(input.getType());
    Value zero = indexConst(b, loc, 0), one = indexConst(b, loc, 1),
          minusOne = indexConst(b, loc, -1);
    SmallVector<Value> raw, sizes;
    for (int64_t i = 0; i < result.getRank(); ++i) {
      Value v = extractIndex(b, loc, shape, i);
      if (!op.getAllowzero() && i < in.getRank()) {
        Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, zero);
        v = arith::SelectOp::create(b, loc, isZero, dimOf(b, loc, input, i), v);
      }
      raw.push_back(v);
    }
    Value total = one, known = one;
    for (int64_t i = 0; i < in.getRank(); ++i)
      total = arith::MulIOp::create(b, loc, total, dimOf(b, loc, input, i));
    for (Value v : raw) {
      Value isInferred = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, minusOne);
      known = arith::MulIOp::create(b, loc, known,
                                    arith::SelectOp::create(b, loc, isInferred, one, v));
    }
    Value inferred = arith::DivUIOp::create(b, loc, total, known);
    for (Value v : raw) {
      Value isInferred = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, minusOne);
      sizes.push_back(arith::SelectOp::create(b, loc, isInferred, inferred, v));
    }
    return sizes;
  }
};

struct ConcatToTensor : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!result || !llvm::all_of(adaptor.getInputs(), isRanked))
      return kiln::rejectLowering(rewriter, op, "rank unknown");
    int64_t axis = (int64_t)op.getAxis();
    if (axis < 0)
      axis += result.getRank();
    SmallVector<Value> inputs;
    for (Value v : adaptor.getInputs())
      if (cast<RankedTensorType>(v.getType()).getDimSize(axis) != 0)
        inputs.push_back(v);
    if (inputs.size() == 1 && inputs[0].getType() == result) {
      rewriter.replaceOp(op, inputs[0]);
      return success();
    }
    Value concat = tensor::ConcatOp::create(rewriter, op.getLoc(), axis, inputs);
    if (concat.getType() != result)
      concat = tensor::CastOp::create(rewriter, op.getLoc(), result, concat);
    rewriter.replaceOp(op, concat);
    return success();
  }
};

/// Slice with constant axes and positive constant steps; starts and ends may be runtime
/// values (as in a causal mask sliced to the sequence length).
/// One dim of a Slice as ONNX clamps it: the first element read and the step (any sign,
/// never 0), and how many elements are read.
struct SliceDim {
  Value start, step, length;
};

/// ONNX's clamping of `start`/`end` (i64 values, possibly INT64_MAX) against `dim` for `step`:
/// negative values count from the end; then [0, dim] for a positive step, [-1, dim - 1] for a
/// negative one. The length is max(0, ceil((end - start) / step)).
SliceDim clampSliceDim(OpBuilder &b, Location loc, Value start, Value end, Value step,
                       Value dim) {
  Value zero = indexConst(b, loc, 0), one = indexConst(b, loc, 1);
  Value negativeStep = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, step, zero);
  Value low = arith::SelectOp::create(b, loc, negativeStep, indexConst(b, loc, -1), zero);
  Value high = arith::SelectOp::create(b, loc, negativeStep,
                                       arith::SubIOp::create(b, loc, dim, one), dim);
  auto clamp = [&](Value v) -> Value {
    Value isNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, v, zero);
    v = arith::SelectOp::create(b, loc, isNeg, arith::AddIOp::create(b, loc, v, dim), v);
    return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, v, low), high);
  };
  Value first = clamp(start), last = clamp(end);
  Value length = arith::CeilDivSIOp::create(b, loc, arith::SubIOp::create(b, loc, last, first),
                                            step);
  return {first, step, arith::MaxSIOp::create(b, loc, length, zero)};
}

/// Slice with axes or steps only known at run time (or negative steps): each dim takes the
/// starts/ends/steps entries whose axis names it (a step of 0 reads as 1), and one
/// linalg.generic reads in[start + i * step] per dim, always inside the input.
Value buildGeneralSlice(OpBuilder &b, Location loc, Value data, Value starts, Value ends,
                        Value axes, Value steps, int64_t n, RankedTensorType result) {
  auto in = cast<RankedTensorType>(data.getType());
  int64_t rank = in.getRank();
  Value zero = indexConst(b, loc, 0), one = indexConst(b, loc, 1);
  SmallVector<SliceDim> dims;
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d)
    dims.push_back({zero, one, dimOf(b, loc, data, d)});
  for (int64_t i = 0; i < n; ++i) {
    Value step = steps ? extractIndex(b, loc, steps, i) : one;
    step = arith::SelectOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, step, zero), one, step);
    Value start = extractIndex(b, loc, starts, i), end = extractIndex(b, loc, ends, i);
    SmallVector<Value> named;
    if (axes)
      named = entryNamesDims(b, loc, axes, i, rank);
    for (int64_t d = 0; d < rank; ++d) {
      if (!axes && d != i)
        continue; // without axes, entry i is dim i
      SliceDim here = clampSliceDim(b, loc, start, end, step, dimOf(b, loc, data, d));
      if (!axes) {
        dims[d] = here;
        continue;
      }
      dims[d] = {arith::SelectOp::create(b, loc, named[d], here.start, dims[d].start),
                 arith::SelectOp::create(b, loc, named[d], here.step, dims[d].step),
                 arith::SelectOp::create(b, loc, named[d], here.length, dims[d].length)};
    }
  }
  for (int64_t d = 0; d < rank; ++d)
    if (result.isDynamicDim(d))
      sizes.push_back(dims[d].length);
  Value init = tensor::EmptyOp::create(b, loc, result.getShape(), result.getElementType(), sizes);
  return linalg::GenericOp::create(
             b, loc, TypeRange{result}, ValueRange{}, ValueRange{init},
             SmallVector<AffineMap>{b.getMultiDimIdentityMap(rank)},
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange) {
               SmallVector<Value> coords;
               for (int64_t d = 0; d < rank; ++d)
                 coords.push_back(arith::AddIOp::create(
                     nb, l, dims[d].start,
                     arith::MulIOp::create(nb, l, linalg::IndexOp::create(nb, l, d),
                                           dims[d].step)));
               linalg::YieldOp::create(nb, l,
                                       Value(tensor::ExtractOp::create(nb, l, data, coords)));
             })
      .getResult(0);
}

struct SliceToTensor : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    auto startsType = dyn_cast<RankedTensorType>(adaptor.getStarts().getType());
    if (!in || !result || !startsType || startsType.isDynamicDim(0))
      return kiln::rejectLowering(rewriter, op, "rank or parameter count unknown");
    int64_t n = startsType.getDimSize(0);
    if (result.getRank() != in.getRank())
      return kiln::rejectLowering(rewriter, op, "the result rank differs from the input's");
    Location loc = op.getLoc();
    SmallVector<int64_t> axes, steps(n, 1);
    std::optional<SmallVector<int64_t>> constantAxes =
        op.getAxes() ? getConstantInts(op.getAxes()) : std::nullopt;
    std::optional<SmallVector<int64_t>> constantSteps =
        op.getSteps() ? getConstantInts(op.getSteps()) : std::nullopt;
    if ((op.getAxes() && !constantAxes) || (op.getSteps() && !constantSteps) ||
        (constantSteps && llvm::any_of(*constantSteps, [](int64_t v) { return v <= 0; }))) {
      rewriter.replaceOp(op, buildGeneralSlice(rewriter, loc, adaptor.getData(),
                                               adaptor.getStarts(), adaptor.getEnds(),
                                               adaptor.getAxes(), adaptor.getSteps(), n, result));
      return success();
    }
    if (constantAxes) {
      axes = *constantAxes;
    } else {
      for (int64_t i = 0; i < n; ++i)
        axes.push_back(i);
    }
    if (constantSteps)
      steps = *constantSteps;
    SmallVector<OpFoldResult> offsets(in.getRank(), rewriter.getIndexAttr(0)),
        sizes, strides(in.getRank(), rewriter.getIndexAttr(1));
    for (int64_t i = 0; i < in.getRank(); ++i)
      sizes.push_back(dimOf(rewriter, loc, adaptor.getData(), i));
    for (int64_t i = 0; i < n; ++i) {
      int64_t axis = axes[i] < 0 ? axes[i] + in.getRank() : axes[i];
      Value dim = dimOf(rewriter, loc, adaptor.getData(), axis);
      // ONNX clamps: negative values count from the end, then [0, dim].
      auto clamp = [&](Value v) {
        Value zero = indexConst(rewriter, loc, 0);
        Value isNeg = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt, v, zero);
        v = arith::SelectOp::create(rewriter, loc, isNeg,
                                    arith::AddIOp::create(rewriter, loc, v, dim), v);
        v = arith::MaxSIOp::create(rewriter, loc, v, zero);
        return arith::MinSIOp::create(rewriter, loc, v, dim).getResult();
      };
      // Starts and ends are i64 and may be INT64_MAX: clamp before index arithmetic.
      Value start = clamp(extractIndex(rewriter, loc, adaptor.getStarts(), i));
      Value end = clamp(extractIndex(rewriter, loc, adaptor.getEnds(), i));
      Value step = indexConst(rewriter, loc, steps[i]);
      Value len = arith::SubIOp::create(rewriter, loc, end, start);
      len = arith::MaxSIOp::create(rewriter, loc, len, indexConst(rewriter, loc, 0));
      len = arith::CeilDivSIOp::create(
          rewriter, loc, len, step);
      offsets[axis] = start;
      sizes[axis] = len;
      strides[axis] = rewriter.getIndexAttr(steps[i]);
    }
    for (int64_t i = 0; i < result.getRank(); ++i)
      if (!result.isDynamicDim(i))
        sizes[i] = rewriter.getIndexAttr(result.getDimSize(i));
    Value slice = tensor::ExtractSliceOp::create(rewriter, loc, result, adaptor.getData(),
                                                 offsets, sizes, strides);
    rewriter.replaceOp(op, slice);
    return success();
  }
};

/// Gather as a linalg.generic over the result reading `data` with tensor.extract; negative
/// indices count from the end, as ONNX specifies.
struct GatherToLinalg : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto data = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto indices = dyn_cast<RankedTensorType>(adaptor.getIndices().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!data || !indices || !result)
      return kiln::rejectLowering(rewriter, op, "rank unknown");
    Location loc = op.getLoc();
    int64_t axis = (int64_t)op.getAxis();
    if (axis < 0)
      axis += data.getRank();
    int64_t q = indices.getRank();
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < result.getRank(); ++i) {
      if (!result.isDynamicDim(i)) {
        sizes.push_back(rewriter.getIndexAttr(result.getDimSize(i)));
        continue;
      }
      if (i < axis)
        sizes.push_back(dimOf(rewriter, loc, adaptor.getData(), i));
      else if (i < axis + q)
        sizes.push_back(dimOf(rewriter, loc, adaptor.getIndices(), i - axis));
      else
        sizes.push_back(dimOf(rewriter, loc, adaptor.getData(), i - q + 1));
    }
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, result.getElementType());
    MLIRContext *ctx = op.getContext();
    SmallVector<AffineExpr> indexExprs;
    for (int64_t j = 0; j < q; ++j)
      indexExprs.push_back(getAffineDimExpr(axis + j, ctx));
    SmallVector<AffineMap> maps = {AffineMap::get(result.getRank(), 0, indexExprs, ctx),
                                   rewriter.getMultiDimIdentityMap(result.getRank())};
    SmallVector<utils::IteratorType> iterators(result.getRank(), utils::IteratorType::parallel);
    Value dataValue = adaptor.getData();
    Value axisDim = dimOf(rewriter, loc, dataValue, axis);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{result}, ValueRange{adaptor.getIndices()}, ValueRange{init},
        maps, iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> coords;
          for (int64_t i = 0; i < data.getRank(); ++i) {
            if (i < axis)
              coords.push_back(linalg::IndexOp::create(b, l, i));
            else if (i == axis)
              coords.push_back(Value());
            else
              coords.push_back(linalg::IndexOp::create(b, l, i + q - 1));
          }
          Value v = checkedGatherRead(b, l, op, dataValue, coords, {{axis, args[0], axisDim}});
          linalg::YieldOp::create(b, l, v);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// Expand: a broadcast whose target sizes come from the (runtime) shape operand.
struct ExpandToLinalg : OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    auto shapeType = dyn_cast<RankedTensorType>(adaptor.getShape().getType());
    if (!in || !result || !shapeType || shapeType.isDynamicDim(0))
      return kiln::rejectLowering(rewriter, op, "rank unknown");
    Location loc = op.getLoc();
    int64_t rank = result.getRank(), shapeLen = shapeType.getDimSize(0);
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < rank; ++i) {
      if (!result.isDynamicDim(i)) {
        sizes.push_back(rewriter.getIndexAttr(result.getDimSize(i)));
        continue;
      }
      int64_t j = i - (rank - in.getRank()), k = i - (rank - shapeLen);
      Value size = k >= 0 ? extractIndex(rewriter, loc, adaptor.getShape(), k)
                          : indexConst(rewriter, loc, 1);
      if (j >= 0)
        size = arith::MaxSIOp::create(rewriter, loc, size,
                                      dimOf(rewriter, loc, adaptor.getInput(), j));
      sizes.push_back(size);
    }
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, result.getElementType());
    SmallVector<AffineMap> maps = {getBroadcastMap(op.getContext(), in, result),
                                   rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{result}, ValueRange{adaptor.getInput()}, ValueRange{init},
        maps, iterators, [](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(b, l, args[0]);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct ConstantOfShapeToLinalg : OpConversionPattern<ConstantOfShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConstantOfShapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!result)
      return kiln::rejectLowering(rewriter, op, "rank unknown");
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < result.getRank(); ++i)
      sizes.push_back(result.isDynamicDim(i)
                          ? OpFoldResult(extractIndex(rewriter, loc, adaptor.getInput(), i))
                          : OpFoldResult(rewriter.getIndexAttr(result.getDimSize(i))));
    TypedAttr value = rewriter.getZeroAttr(result.getElementType());
    if (auto v = op.getValue()) {
      auto dense = dyn_cast<DenseElementsAttr>(*v);
      if (!dense)
        return kiln::rejectLowering(rewriter, op, "value is not a dense literal");
      value = cast<TypedAttr>(*dense.getValues<Attribute>().begin());
    }
    Value scalar = arith::ConstantOp::create(rewriter, loc, value);
    Value empty = tensor::EmptyOp::create(rewriter, loc, sizes, result.getElementType());
    rewriter.replaceOp(op, linalg::FillOp::create(rewriter, loc, scalar, empty).getResult(0));
    return success();
  }
};

/// Range: element i is start + i * delta; the length comes from the result type or is
/// computed at run time as max(ceil((limit - start) / delta), 0), in the element type (float
/// ranges count in that float type, as ONNX's definition does).
struct RangeToTensor : OpConversionPattern<RangeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RangeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto result = dyn_cast<RankedTensorType>(op.getType());
    Type element = result ? result.getElementType() : Type();
    if (!result || !isa<IntegerType, FloatType>(element))
      return kiln::rejectLowering(rewriter, op, "only integer and float ranges are supported");
    bool isFloat = isa<FloatType>(element);
    Location loc = op.getLoc();
    Type index = rewriter.getIndexType();
    auto scalar = [&](Value t) -> Value {
      Value v = tensor::ExtractOp::create(rewriter, loc, t, ValueRange{});
      return isFloat ? v : arith::IndexCastOp::create(rewriter, loc, index, v).getResult();
    };
    Value start = scalar(adaptor.getStart()), delta = scalar(adaptor.getDelta());
    SmallVector<Value> dynamicSizes;
    if (result.isDynamicDim(0)) {
      Value limit = scalar(adaptor.getLimit()), n;
      // A zero or NaN delta (which ONNX leaves undefined) gives an empty range, and an
      // infinite count one too large to allocate (the run fails, it does not trap).
      Value zero = indexConst(rewriter, loc, 0);
      if (isFloat) {
        Value span = arith::SubFOp::create(rewriter, loc, limit, start);
        Value count = math::CeilOp::create(rewriter, loc,
                                           arith::DivFOp::create(rewriter, loc, span, delta));
        auto floatConstant = [&](double v) -> Value {
          return arith::ConstantOp::create(rewriter, loc, FloatAttr::get(element, v));
        };
        count = arith::MinimumFOp::create(rewriter, loc, count, floatConstant(0x1p62));
        Value positive =
            arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OGT, count, floatConstant(0));
        n = arith::IndexCastOp::create(
            rewriter, loc, index,
            arith::FPToSIOp::create(rewriter, loc, rewriter.getI64Type(),
                                    arith::SelectOp::create(rewriter, loc, positive, count,
                                                            floatConstant(0))));
      } else {
        Value span = arith::SubIOp::create(rewriter, loc, limit, start);
        Value isZero =
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, delta, zero);
        Value divisor = arith::SelectOp::create(rewriter, loc, isZero,
                                                indexConst(rewriter, loc, 1), delta);
        n = arith::SelectOp::create(rewriter, loc, isZero, zero,
                                    arith::CeilDivSIOp::create(rewriter, loc, span, divisor));
      }
      dynamicSizes.push_back(arith::MaxSIOp::create(rewriter, loc, n, zero));
    }
    auto generate = tensor::GenerateOp::create(rewriter, loc, result, dynamicSizes);
    OpBuilder::InsertionGuard guard(rewriter);
    Block *body = rewriter.createBlock(&generate.getBody(), {}, {index}, {loc});
    Value i = body->getArgument(0), v;
    if (isFloat) {
      Value fi = arith::SIToFPOp::create(
          rewriter, loc, element,
          arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), i));
      v = arith::AddFOp::create(rewriter, loc, start, arith::MulFOp::create(rewriter, loc, fi, delta));
    } else {
      v = arith::IndexCastOp::create(rewriter, loc, element,
                                     arith::AddIOp::create(rewriter, loc, start,
                                                           arith::MulIOp::create(rewriter, loc, i, delta)));
    }
    tensor::YieldOp::create(rewriter, loc, v);
    rewriter.replaceOp(op, generate.getResult());
    return success();
  }
};

/// Split into extract_slices along the axis: sizes from the constant `split` operand, or
/// equal parts (the last one smaller) computed from the axis size.
struct SplitToTensor : OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!in || !llvm::all_of(op->getResults(), isRanked))
      return kiln::rejectLowering(rewriter, op, "rank unknown");
    Location loc = op.getLoc();
    int64_t axis = (int64_t)op.getAxis();
    if (axis < 0)
      axis += in.getRank();
    int64_t n = op.getNumResults();
    SmallVector<Value> sizes;
    if (std::optional<SmallVector<int64_t>> split =
            op.getSplit() ? getConstantInts(op.getSplit()) : std::nullopt) {
      for (int64_t v : *split)
        sizes.push_back(indexConst(rewriter, loc, v));
    } else if (op.getSplit()) {
      // Sizes read at run time: each clamped into what is left of the dim, so no slice leaves
      // the input; sizes that do not add up to the dim fail the run naming the node.
      auto splitType = dyn_cast<RankedTensorType>(adaptor.getSplit().getType());
      if (!splitType || splitType.getRank() != 1 || splitType.getDimSize(0) != n)
        return kiln::rejectLowering(rewriter, op, "split is not a 1-D tensor of one size per "
                                                  "output");
      Value dim = dimOf(rewriter, loc, adaptor.getInput(), axis);
      Value zero = indexConst(rewriter, loc, 0), left = dim, total = zero;
      Value negative = arith::ConstantIntOp::create(rewriter, loc, 0, 1);
      for (int64_t i = 0; i < n; ++i) {
        Value raw = arith::IndexCastOp::create(
            rewriter, loc, rewriter.getIndexType(),
            tensor::ExtractOp::create(rewriter, loc, adaptor.getSplit(),
                                      ValueRange{indexConst(rewriter, loc, i)}));
        total = arith::AddIOp::create(rewriter, loc, total, raw);
        negative = arith::OrIOp::create(
            rewriter, loc, negative,
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt, raw, zero));
        Value size = arith::MinSIOp::create(
            rewriter, loc, arith::MaxSIOp::create(rewriter, loc, raw, zero), left);
        left = arith::SubIOp::create(rewriter, loc, left, size);
        sizes.push_back(size);
      }
      Value wrong = arith::OrIOp::create(
          rewriter, loc, negative,
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ne, total, dim));
      scf::IfOp::create(rewriter, loc, wrong, [&](OpBuilder &b, Location l) {
        reportIndexError(b, l, op, axis, CheckedIndex{total, Value(), total}, dim);
        scf::YieldOp::create(b, l);
      });
    } else {
      Value dim = dimOf(rewriter, loc, adaptor.getInput(), axis);
      Value part = arith::CeilDivSIOp::create(rewriter, loc, dim, indexConst(rewriter, loc, n));
      for (int64_t i = 0; i < n; ++i) {
        Value rest = arith::SubIOp::create(
            rewriter, loc, dim,
            arith::MulIOp::create(rewriter, loc, part, indexConst(rewriter, loc, i)));
        rest = arith::MaxSIOp::create(rewriter, loc, rest, indexConst(rewriter, loc, 0));
        sizes.push_back(arith::MinSIOp::create(rewriter, loc, part, rest));
      }
    }
    SmallVector<Value> results;
    Value offset = indexConst(rewriter, loc, 0);
    for (int64_t i = 0; i < n; ++i) {
      auto type = cast<RankedTensorType>(op.getResult(i).getType());
      SmallVector<OpFoldResult> offsets(in.getRank(), rewriter.getIndexAttr(0)), extents,
          strides(in.getRank(), rewriter.getIndexAttr(1));
      for (int64_t d = 0; d < in.getRank(); ++d)
        extents.push_back(!type.isDynamicDim(d) ? rewriter.getIndexAttr(type.getDimSize(d))
                          : d == axis ? OpFoldResult(sizes[i])
                                      : tensor::getMixedSize(rewriter, loc, adaptor.getInput(), d));
      offsets[axis] = offset;
      results.push_back(tensor::ExtractSliceOp::create(rewriter, loc, type, adaptor.getInput(),
                                                       offsets, extents, strides));
      offset = arith::AddIOp::create(rewriter, loc, offset, sizes[i]);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// Trilu keeps the elements on one side of diagonal k of the last two dims, zeroes the rest.
struct TriluToLinalg : OpConversionPattern<TriluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TriluOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!result || result.getRank() < 2)
      return kiln::rejectLowering(rewriter, op, "rank unknown or < 2");
    Location loc = op.getLoc();
    Value k = indexConst(rewriter, loc, 0);
    if (adaptor.getK())
      k = arith::IndexCastOp::create(
          rewriter, loc, rewriter.getIndexType(),
          tensor::ExtractOp::create(rewriter, loc, adaptor.getK(), ValueRange{}));
    bool upper = op.getUpper() != 0;
    int64_t rank = result.getRank();
    Type element = result.getElementType();
    FailureOr<Value> out = buildElementwise(
        rewriter, loc, result, ValueRange{adaptor.getInput()},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value row = linalg::IndexOp::create(b, l, rank - 2);
          Value col = linalg::IndexOp::create(b, l, rank - 1);
          // Upper keeps col - row >= k, lower keeps col - row <= k.
          Value diff = arith::SubIOp::create(b, l, col, row);
          Value keep = arith::CmpIOp::create(
              b, l, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle, diff, k);
          Value zero = arith::ConstantOp::create(b, l, b.getZeroAttr(element));
          return arith::SelectOp::create(b, l, keep, args[0], zero);
        });
    if (failed(out))
      return kiln::rejectLowering(rewriter, op, "a dynamic result dim has no source operand");
    rewriter.replaceOp(op, *out);
    return success();
  }
};

/// GatherElements: out[i] = data[i with i[axis] replaced by indices[i]].
struct GatherElementsToLinalg : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto data = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto indices = dyn_cast<RankedTensorType>(adaptor.getIndices().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!data || !indices || !result || indices.getRank() != data.getRank())
      return kiln::rejectLowering(rewriter, op, "rank unknown or mismatched");
    Location loc = op.getLoc();
    int64_t axis = (int64_t)op.getAxis();
    if (axis < 0)
      axis += data.getRank();
    Value dataValue = adaptor.getData();
    Value axisDim = dimOf(rewriter, loc, dataValue, axis);
    FailureOr<Value> out = buildElementwise(
        rewriter, loc, result, ValueRange{adaptor.getIndices()},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          SmallVector<Value> coords;
          for (int64_t i = 0; i < data.getRank(); ++i)
            coords.push_back(i == axis ? Value() : Value(linalg::IndexOp::create(b, l, i)));
          return checkedGatherRead(b, l, op, dataValue, coords, {{axis, args[0], axisDim}});
        });
    if (failed(out))
      return kiln::rejectLowering(rewriter, op, "a dynamic result dim has no source operand");
    rewriter.replaceOp(op, *out);
    return success();
  }
};

} // namespace

Type kiln::signlessOf(OpBuilder &b, Type t) {
  return t.isUnsignedInteger() ? b.getIntegerType(t.getIntOrFloatBitWidth()) : t;
}

Value kiln::castIntegerBits(OpBuilder &b, Location loc, Value v, Type to) {
  if (v.getType() == to)
    return v;
  return UnrealizedConversionCastOp::create(b, loc, to, v).getResult(0);
}

Value kiln::extractIndex(OpBuilder &b, Location loc, Value tensor, int64_t i) {
  Value e = tensor::ExtractOp::create(b, loc, tensor, ValueRange{indexConst(b, loc, i)});
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), e);
}

SmallVector<Value> kiln::entryNamesDims(OpBuilder &b, Location loc, Value axes, int64_t i,
                                        int64_t rank) {
  Value axis = extractIndex(b, loc, axes, i);
  Value isNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, axis,
                                      indexConst(b, loc, 0));
  axis = arith::SelectOp::create(b, loc, isNeg,
                                 arith::AddIOp::create(b, loc, axis, indexConst(b, loc, rank)),
                                 axis);
  SmallVector<Value> named;
  for (int64_t d = 0; d < rank; ++d)
    named.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, axis,
                                          indexConst(b, loc, d)));
  return named;
}

Value kiln::indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value kiln::dimOf(OpBuilder &b, Location loc, Value tensor, int64_t i) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(i))
    return arith::ConstantIndexOp::create(b, loc, type.getDimSize(i));
  return tensor::DimOp::create(b, loc, tensor, i);
}

void kiln::populateShapeOpsToTensorPatterns(RewritePatternSet &patterns) {
  patterns.add<ShapeToTensor, ReshapeLikeToTensor<ReshapeOp>, ReshapeLikeToTensor<FlattenOp>,
               ReshapeLikeToTensor<SqueezeOp>, ReshapeLikeToTensor<UnsqueezeOp>, ConcatToTensor,
               SliceToTensor, GatherToLinalg, ExpandToLinalg, ConstantOfShapeToLinalg,
               RangeToTensor, SplitToTensor, TriluToLinalg, GatherElementsToLinalg>(patterns.getContext());
}
