//===- CumSumToLinalg.cpp - onnx.CumSum as a scan over its axis -----------===//
//
// A prefix sum has no structured linalg form, so CumSum is an scf.for over the positions of its
// axis (in order, or from the end with `reverse`) carrying the running sum -- one slice of the
// input, [..., 1, ...] -- and the result: each step adds the slice at position k to the running
// sum (elementwise, so it vectorises) and writes the sum (`exclusive`: the sum before adding)
// to position k of the result. f16/bf16 accumulate in f32. An axis given at run time picks one
// of the rank's scans (scf.index_switch); one outside [-rank, rank) is reported.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoweringDiagnostics.h"
#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx;

namespace {

/// The running sum of `x` (of the accumulation type) along `axis`.
Value buildScan(OpBuilder &rewriter, Location loc, Value x, int64_t axis, bool reverse,
                bool exclusive) {
  auto xType = cast<RankedTensorType>(x.getType());
  Type acc = xType.getElementType();
  int64_t rank = xType.getRank();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
  SmallVector<OpFoldResult> sliceSizes = sizes;
  sliceSizes[axis] = rewriter.getIndexAttr(1);
  SmallVector<int64_t> sliceShape(xType.getShape());
  sliceShape[axis] = 1;
  auto sliceType = RankedTensorType::get(sliceShape, acc);
  Value zero = arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(acc));
  Value running0 = linalg::FillOp::create(
                       rewriter, loc, zero,
                       tensor::EmptyOp::create(rewriter, loc, sliceSizes, acc).getResult())
                       .getResult(0);
  Value out0 = tensor::EmptyOp::create(rewriter, loc, sizes, acc);
  Value n = dimOf(rewriter, loc, x, axis);
  Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
  SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
  auto loop = scf::ForOp::create(
      rewriter, loc, c0, n, c1, ValueRange{running0, out0},
      [&](OpBuilder &b, Location l, Value step, ValueRange carried) {
        Value k = step;
        if (reverse)
          k = arith::SubIOp::create(b, l, arith::SubIOp::create(b, l, n, c1), step);
        SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
        offsets[axis] = k;
        Value slice = tensor::ExtractSliceOp::create(b, l, sliceType, x, offsets, sliceSizes,
                                                     strides);
        Value out = carried[1];
        if (exclusive) // the sum before this position
          out = tensor::InsertSliceOp::create(b, l, carried[0], out, offsets, sliceSizes,
                                              strides);
        // running += slice, in place in the carried tensor (so the loop bufferizes without
        // a copy per step).
        AffineMap id = b.getMultiDimIdentityMap(rank);
        Value sum = linalg::GenericOp::create(
                        b, l, TypeRange{sliceType}, ValueRange{slice}, ValueRange{carried[0]},
                        SmallVector<AffineMap>{id, id},
                        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
                        [&](OpBuilder &nb, Location nl, ValueRange a) {
                          Value r = isa<FloatType>(acc)
                                        ? Value(arith::AddFOp::create(nb, nl, a[1], a[0]))
                                        : Value(arith::AddIOp::create(nb, nl, a[1], a[0]));
                          linalg::YieldOp::create(nb, nl, r);
                        })
                        .getResult(0);
        if (!exclusive)
          out = tensor::InsertSliceOp::create(b, l, sum, out, offsets, sliceSizes, strides);
        scf::YieldOp::create(b, l, ValueRange{sum, out});
      });
  return loop.getResult(1);
}

/// The scan along an axis only known at run time: one case per axis of the rank (the code
/// for each is small); an axis outside [-rank, rank) is reported and the result is zeros.
Value buildRuntimeAxisScan(OpBuilder &b, Location loc, Operation *op, Value x, Value axisTensor,
                           bool reverse, bool exclusive) {
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t rank = xType.getRank();
  auto axisType = cast<RankedTensorType>(axisTensor.getType());
  Value raw = tensor::ExtractOp::create(
      b, loc, axisTensor, SmallVector<Value>(axisType.getRank(), indexConst(b, loc, 0)));
  Value rankValue = indexConst(b, loc, rank);
  CheckedIndex axis = checkIndex(b, loc, raw, rankValue);
  auto inRange = [&](OpBuilder &tb, Location l) {
    auto dispatch = scf::IndexSwitchOp::create(
        tb, l, TypeRange{xType}, axis.index, llvm::to_vector(llvm::seq<int64_t>(0, rank)), rank);
    OpBuilder::InsertionGuard guard(tb);
    for (int64_t a = 0; a < rank; ++a) {
      tb.setInsertionPointToStart(&dispatch.getCaseRegions()[a].emplaceBlock());
      scf::YieldOp::create(tb, l, buildScan(tb, l, x, a, reverse, exclusive));
    }
    // Unreachable (the axis is in range here), but a region needs a terminator.
    tb.setInsertionPointToStart(&dispatch.getDefaultRegion().emplaceBlock());
    scf::YieldOp::create(tb, l, x);
    tb.setInsertionPointAfter(dispatch);
    scf::YieldOp::create(tb, l, dispatch.getResult(0));
  };
  auto outOfRange = [&](OpBuilder &eb, Location l) {
    reportIndexError(eb, l, op, /*axis=*/-1, axis, rankValue);
    Value zero = arith::ConstantOp::create(eb, l, eb.getZeroAttr(xType.getElementType()));
    Value empty = tensor::EmptyOp::create(eb, l, tensor::getMixedSizes(eb, l, x),
                                          xType.getElementType());
    scf::YieldOp::create(eb, l, linalg::FillOp::create(eb, l, zero, empty).getResult(0));
  };
  return scf::IfOp::create(b, loc, axis.inRange, inRange, outOfRange).getResult(0);
}

struct CumSumToLoop : OpConversionPattern<CumSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(CumSumOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    auto axisType = dyn_cast<RankedTensorType>(adaptor.getAxis().getType());
    if (!in || !result || in.getRank() == 0)
      return rejectLowering(rewriter, op, "rank unknown or a scalar");
    Type element = in.getElementType();
    if (!isa<FloatType>(element) && !element.isSignlessInteger())
      return rejectLowering(rewriter, op, "unsigned integer tensors are not supported yet");
    if (!axisType || axisType.getNumElements() != 1 || axisType.getRank() > 1)
      return rejectLowering(rewriter, op, "the axis is not a one-element tensor");
    int64_t rank = in.getRank();
    Location loc = op.getLoc();
    Type acc = isa<Float16Type, BFloat16Type>(element) ? rewriter.getF32Type() : element;
    Value x = castToResultType(rewriter, loc, adaptor.getX(), in.clone(acc));
    bool reverse = op.getReverse() != 0, exclusive = op.getExclusive() != 0;
    Value scan;
    if (std::optional<SmallVector<int64_t>> axes = getConstantInts(op.getAxis())) {
      std::optional<int64_t> axis = normalizeAxis((*axes)[0], rank);
      if (!axis)
        return rejectLowering(rewriter, op, "axis out of range");
      scan = buildScan(rewriter, loc, x, *axis, reverse, exclusive);
    } else {
      scan = buildRuntimeAxisScan(rewriter, loc, op, x, adaptor.getAxis(), reverse, exclusive);
    }
    rewriter.replaceOp(op, castToResultType(rewriter, loc, scan, result));
    return success();
  }
};

} // namespace

void kiln::populateCumSumToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<CumSumToLoop>(patterns.getContext());
}
