//===- DecomposeAggregatedOps.cpp - kiln-decompose-aggregated-ops ---------===//
//
// linalg.softmax has no loop lowering of its own; its AggregatedOpInterface knows how to
// rewrite it into generics. This pass applies that for every such op.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {
#define GEN_PASS_DEF_DECOMPOSEAGGREGATEDOPS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct DecomposeAggregatedOpsPass
    : public kiln::impl::DecomposeAggregatedOpsBase<DecomposeAggregatedOpsPass> {
  void runOnOperation() override {
    SmallVector<linalg::AggregatedOpInterface> ops;
    getOperation().walk([&](linalg::AggregatedOpInterface op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::AggregatedOpInterface op : ops) {
      rewriter.setInsertionPoint(op);
      FailureOr<SmallVector<Value>> replacements = op.decomposeOperation(rewriter);
      if (failed(replacements)) {
        op->emitOpError("cannot be decomposed");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, *replacements);
    }
  }
};

} // namespace
