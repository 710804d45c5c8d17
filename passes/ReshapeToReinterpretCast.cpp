//===- ReshapeToReinterpretCast.cpp - kiln-reshape-to-reinterpret-cast ----===//
//
// After bufferization, a Reshape to dims computed on the host (kiln-scalarize-shape-tensors
// leaves them as `tensor.from_elements`) is a `memref.reshape` whose shape operand is a small
// buffer filled by one store per dim. Writing that buffer is real work on a GPU (a kernel of
// one thread, since the buffer lives in device memory) only for the host to read it back.
// The reshape of a dense row-major buffer is a reinterpretation with the same dims and their
// row-major strides, so this pass states it as `memref.reinterpret_cast` of the stored values
// and drops the buffer. (Collapse and expand views would say the same, but MLIR 22's
// expand-strided-metadata crashes on an expansion with two dynamic dims in one group.)
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_RESHAPETOREINTERPRETCAST
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The value stored at each index of `buffer` (a static 1-D alloc whose only other user is
/// `reshape`), by stores in `reshape`'s block before it; empty if that is not all there is.
SmallVector<Value> storedDims(Value buffer, memref::ReshapeOp reshape) {
  auto alloc = buffer.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc.getType().getRank() != 1 || !alloc.getType().hasStaticShape())
    return {};
  SmallVector<Value> dims(size_t(alloc.getType().getDimSize(0)));
  for (Operation *user : alloc->getUsers()) {
    if (user == reshape)
      continue;
    auto store = dyn_cast<memref::StoreOp>(user);
    std::optional<int64_t> index = store && store.getMemRef() == buffer
                                       ? getConstantIntValue(store.getIndices()[0])
                                       : std::nullopt;
    if (!index || *index < 0 || size_t(*index) >= dims.size() || dims[size_t(*index)] ||
        store->getBlock() != reshape->getBlock() || !store->isBeforeInBlock(reshape))
      return {};
    dims[size_t(*index)] = store.getValue();
  }
  if (llvm::is_contained(dims, Value()))
    return {};
  return dims;
}

struct ReshapeOfStoredDims : OpRewritePattern<memref::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::ReshapeOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<MemRefType>(op.getResult().getType());
    auto sourceType = dyn_cast<MemRefType>(op.getSource().getType());
    if (!type || !sourceType || !sourceType.getLayout().isIdentity() ||
        !type.getLayout().isIdentity())
      return failure();
    SmallVector<Value> stored = storedDims(op.getShape(), op);
    if (stored.empty())
      return failure();
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> sizes(rank, OpFoldResult()), strides(rank, OpFoldResult());
    for (int64_t d = 0; d < rank; ++d) {
      if (!type.isDynamicDim(d)) {
        sizes[size_t(d)] = rewriter.getIndexAttr(type.getDimSize(d));
        continue;
      }
      Value size = stored[size_t(d)];
      if (!size.getType().isIndex())
        size = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), size);
      sizes[size_t(d)] = size;
    }
    // Row-major strides: static while the dims after are.
    OpFoldResult stride = rewriter.getIndexAttr(1);
    for (int64_t d = rank - 1; d >= 0; --d) {
      strides[size_t(d)] = stride;
      std::optional<int64_t> a = getConstantIntValue(stride),
                             b = getConstantIntValue(sizes[size_t(d)]);
      if (a && b) {
        stride = rewriter.getIndexAttr(*a * *b);
        continue;
      }
      stride = arith::MulIOp::create(
                   rewriter, loc, getValueOrCreateConstantIndexOp(rewriter, loc, stride),
                   getValueOrCreateConstantIndexOp(rewriter, loc, sizes[size_t(d)]))
                   .getResult();
    }
    Value shape = op.getShape();
    rewriter.replaceOpWithNewOp<memref::ReinterpretCastOp>(
        op, type, op.getSource(), rewriter.getIndexAttr(0), sizes, strides);
    // The shape buffer is written and never read now.
    Operation *alloc = shape.getDefiningOp();
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      rewriter.eraseOp(user);
    rewriter.eraseOp(alloc);
    return success();
  }
};

struct ReshapeToReinterpretCastPass
    : kiln::impl::ReshapeToReinterpretCastBase<ReshapeToReinterpretCastPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ReshapeOfStoredDims>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
