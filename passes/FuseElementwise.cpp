//===- FuseElementwise.cpp - Fuse chains of elementwise linalg ops --------===//
//
// An exported transformer is mostly chains of small elementwise ops (bias add, residual add,
// the scale and mask of the attention scores, GELU's six ops, the normalisation's subtract,
// square, scale and shift). Each one alone is a loop that reads and writes a whole tensor;
// fused, a chain is one loop that keeps its intermediates in registers. This pass applies
// upstream's elementwise fusion (producer body inlined into the consumer) with Kiln's rules:
//
//   - the producer is an all-parallel linalg.generic whose result has this one use, so no
//     work is duplicated;
//   - the consumer is not a contraction: those become runtime GEMM calls
//     (kiln-contraction-to-runtime-gemm), which a fused prologue would prevent.
//
// Reductions may consume fused producers (a normalisation's statistics read x - mean directly).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

bool shouldFuse(OpOperand *fused) {
  auto producer = fused->get().getDefiningOp<linalg::GenericOp>();
  auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
  if (!producer || !consumer || !fused->get().hasOneUse())
    return false;
  if (producer.getNumParallelLoops() != producer.getNumLoops())
    return false;
  return !linalg::isaContractionOpInterface(consumer);
}

struct FuseElementwisePass : kiln::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
