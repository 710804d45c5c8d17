//===- ONNXCanonicalize.cpp - canonicalisation patterns of onnx ops -------===//
//
// Rewrites that bring exporter output to one form before fusion matches it: inference-time
// Dropout disappears, Transpose and Reshape chains collapse into one op (or none). Folders
// (ONNXFolders.cpp) handle the constant cases.
//
//===----------------------------------------------------------------------===//

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/ShapeHelpers.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace kiln::onnx;

namespace {

/// Dropout at inference is the identity; its mask, when used, is all true.
struct EraseInferenceDropout : OpRewritePattern<DropoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DropoutOp op, PatternRewriter &rewriter) const override {
    if (op.getTrainingMode())
      if (auto training = getConstantInts(op.getTrainingMode()); !training || (*training)[0])
        return rewriter.notifyMatchFailure(op, "training_mode is not constant false");
    if (!op.getMask().use_empty())
      return rewriter.notifyMatchFailure(op, "the mask is used");
    if (op.getData().getType() != op.getOutput().getType())
      return rewriter.notifyMatchFailure(op, "output type differs from the input's");
    rewriter.replaceAllUsesWith(op.getOutput(), op.getData());
    rewriter.eraseOp(op);
    return success();
  }
};

/// Transpose(Transpose(x, p1), p2) -> Transpose(x, p1 ∘ p2), and an identity permutation
/// disappears.
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    auto perm = op.getPerm();
    if (!perm)
      return rewriter.notifyMatchFailure(op, "implicit (reversing) permutation");
    if (llvm::equal(*perm, llvm::seq<int64_t>(0, perm->size())) &&
        op.getData().getType() == op.getType()) {
      rewriter.replaceOp(op, op.getData());
      return success();
    }
    auto inner = op.getData().getDefiningOp<TransposeOp>();
    if (!inner || !inner.getPerm())
      return rewriter.notifyMatchFailure(op, "operand is not an explicit Transpose");
    SmallVector<int64_t> composed;
    for (int64_t p : *perm)
      composed.push_back((*inner.getPerm())[p]);
    rewriter.modifyOpInPlace(op, [&] {
      op.getDataMutable().assign(inner.getData());
      op.setPerm(composed);
    });
    return success();
  }
};

/// Reshape(Reshape(x, s1), s2) -> Reshape(x, s2) when s2 does not copy dims (no 0 entries),
/// and a Reshape to the type it already has disappears.
struct CollapseReshapes : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (type && type.hasStaticShape() && op.getData().getType() == type) {
      rewriter.replaceOp(op, op.getData());
      return success();
    }
    auto inner = op.getData().getDefiningOp<ReshapeOp>();
    if (!inner)
      return rewriter.notifyMatchFailure(op, "operand is not a Reshape");
    std::optional<Shape> shape = getShapeValue(op.getShape());
    if (!shape || (!op.getAllowzero() && llvm::is_contained(*shape, 0)) ||
        llvm::is_contained(*shape, kDynamic))
      return rewriter.notifyMatchFailure(op, "shape may copy dims of the inner Reshape");
    rewriter.modifyOpInPlace(op, [&] { op.getDataMutable().assign(inner.getData()); });
    return success();
  }
};

} // namespace

void DropoutOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<EraseInferenceDropout>(context);
}

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<ComposeTransposes>(context);
}

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<CollapseReshapes>(context);
}
