//===- CumSumToLinalg.cpp - onnx.CumSum as a scan over its axis -----------===//
//
// A prefix sum has no structured linalg form, so CumSum is an scf.for over the positions of its
// axis (in order, or from the end with `reverse`) carrying the running sum -- one slice of the
// input, [..., 1, ...] -- and the result: each step adds the slice at position k to the running
// sum (elementwise, so it vectorises) and writes the sum (`exclusive`: the sum before adding)
// to position k of the result. f16/bf16 accumulate in f32.
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

struct CumSumToLoop : OpConversionPattern<CumSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(CumSumOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    std::optional<SmallVector<int64_t>> axes = getConstantInts(op.getAxis());
    if (!in || !result || in.getRank() == 0)
      return rejectLowering(rewriter, op, "rank unknown or a scalar");
    Type element = in.getElementType();
    if (!isa<FloatType>(element) && !element.isSignlessInteger())
      return rejectLowering(rewriter, op, "unsigned integer tensors are not supported yet");
    if (!axes || axes->size() != 1)
      return rejectLowering(rewriter, op, "the axis is not a constant");
    int64_t rank = in.getRank();
    std::optional<int64_t> axis = normalizeAxis((*axes)[0], rank);
    if (!axis)
      return rejectLowering(rewriter, op, "axis out of range");
    Location loc = op.getLoc();
    Type acc = isa<Float16Type, BFloat16Type>(element) ? rewriter.getF32Type() : element;
    Value x = castToResultType(rewriter, loc, adaptor.getX(), in.clone(acc));
    auto xType = cast<RankedTensorType>(x.getType());

    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
    SmallVector<OpFoldResult> sliceSizes = sizes;
    sliceSizes[*axis] = rewriter.getIndexAttr(1);
    SmallVector<int64_t> sliceShape(xType.getShape());
    sliceShape[*axis] = 1;
    auto sliceType = RankedTensorType::get(sliceShape, acc);
    Value zero = arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(acc));
    Value running0 = linalg::FillOp::create(
                         rewriter, loc, zero,
                         tensor::EmptyOp::create(rewriter, loc, sliceSizes, acc).getResult())
                         .getResult(0);
    Value out0 = tensor::EmptyOp::create(rewriter, loc, sizes, acc);
    Value n = dimOf(rewriter, loc, x, *axis);
    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
    bool reverse = op.getReverse() != 0, exclusive = op.getExclusive() != 0;
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    auto loop = scf::ForOp::create(
        rewriter, loc, c0, n, c1, ValueRange{running0, out0},
        [&](OpBuilder &b, Location l, Value step, ValueRange carried) {
          Value k = step;
          if (reverse)
            k = arith::SubIOp::create(b, l, arith::SubIOp::create(b, l, n, c1), step);
          SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
          offsets[*axis] = k;
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
    rewriter.replaceOp(op, castToResultType(rewriter, loc, loop.getResult(1), result));
    return success();
  }
};

} // namespace

void kiln::populateCumSumToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<CumSumToLoop>(patterns.getContext());
}
