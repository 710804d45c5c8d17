//===- ExpandContribOps.cpp - kiln-expand-contrib-ops ---------------------===//
//
// Restates com.microsoft ops that are compositions of standard ops (EmbedLayerNormalization)
// as those ops, so the graph has one form whatever optimizer wrote it (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionUtils.h"
#include "passes/Passes.h"
#include "passes/ShapeRefinement.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/ShapeHelpers.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_EXPANDCONTRIBOPS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

/// Rows of `table` at `ids`: onnx.Gather on axis 0.
Value lookup(OpBuilder &b, Location loc, Value table, Value ids) {
  return fusion::createInferred<onnx::GatherOp>(b, loc, onnx::getElementType(table), table, ids,
                                                /*axis=*/0);
}

struct EmbedLayerNormToONNX : OpRewritePattern<onnx::MSEmbedLayerNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::MSEmbedLayerNormalizationOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getMask() && !op.getMaskIndex().use_empty())
      return rewriter.notifyMatchFailure(op, "mask_index is used but there is no mask");
    if (!Value(op.getSegmentIds()) != !Value(op.getSegmentEmbedding()))
      return rewriter.notifyMatchFailure(op, "segment_ids and segment_embedding come together");
    Location loc = op.getLoc();
    Type element = onnx::getElementType(op.getWordEmbedding());
    Value positions = op.getPositionIds();
    if (!positions) // position i of every row
      positions = fusion::createPositions(rewriter, loc,
                                          fusion::createDimLength(rewriter, loc,
                                                                  op.getInputIds(), 1));
    Value sum = fusion::createInferred<onnx::AddOp>(
        rewriter, loc, element, lookup(rewriter, loc, op.getWordEmbedding(), op.getInputIds()),
        lookup(rewriter, loc, op.getPositionEmbedding(), positions));
    if (op.getSegmentIds())
      sum = fusion::createInferred<onnx::AddOp>(
          rewriter, loc, element, sum,
          lookup(rewriter, loc, op.getSegmentEmbedding(), op.getSegmentIds()));
    Type stat = UnrankedTensorType::get(rewriter.getF32Type());
    auto norm = onnx::LayerNormalizationOp::create(
        rewriter, loc, TypeRange{sum.getType(), stat, stat}, sum, op.getGamma(), op.getBeta(),
        rewriter.getI64IntegerAttr(1), op.getEpsilonAttr(), rewriter.getI64IntegerAttr(-1));
    (void)refineResultTypes(norm);
    if (op.getMask()) {
      Value lengths = fusion::createInferred<onnx::ReduceSumOp>(
          rewriter, loc, rewriter.getI32Type(), op.getMask(),
          fusion::createI64Vector(rewriter, loc, {1}), /*noop_with_empty_axes=*/0,
          /*keepdims=*/0);
      rewriter.replaceAllUsesWith(op.getMaskIndex(), lengths);
    }
    rewriter.replaceAllUsesWith(op.getOutput(), norm.getY());
    rewriter.replaceAllUsesWith(op.getEmbeddingSum(), sum);
    rewriter.eraseOp(op);
    return success();
  }
};

struct ExpandContribOpsPass : kiln::impl::ExpandContribOpsBase<ExpandContribOpsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<EmbedLayerNormToONNX>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
