//===- ResultsInPlace.cpp - kiln-results-in-place -------------------------===//
//
// After buffer-results-to-out-params, each result of the entry is computed into a buffer of
// its own and then copied into the caller's output buffer: a pass over the whole tensor (one
// kernel on a GPU) that buys nothing. When the result buffer is an allocation of the entry
// block used only before that copy, it can be the caller's buffer itself: the runtime
// checks that an output has the computed dims and overlaps no input and no other output.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace kiln {
#define GEN_PASS_DEF_RESULTSINPLACE
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Whether `copy` writes an output argument of `entry` that nothing else uses (but for its
/// dims), from an allocation of `entry` that is used only before the copy and copied nowhere
/// else.
bool writesResult(memref::CopyOp copy, Block &entry) {
  auto output = dyn_cast<BlockArgument>(copy.getTarget());
  auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
  if (!output || output.getOwner() != &entry || !alloc || alloc->getBlock() != &entry ||
      copy->getBlock() != &entry)
    return false;
  for (Operation *user : output.getUsers())
    if (user != copy && !isa<memref::DimOp>(user))
      return false;
  for (Operation *user : alloc->getUsers()) {
    if (user == copy)
      continue;
    Operation *top = entry.findAncestorOpInBlock(*user);
    auto other = dyn_cast<memref::CopyOp>(user);
    if (!top || !top->isBeforeInBlock(copy) || (other && other.getSource() == alloc))
      return false;
  }
  auto from = cast<MemRefType>(alloc.getType());
  auto to = dyn_cast<MemRefType>(output.getType());
  return to && from.getLayout().isIdentity() && to.getLayout().isIdentity() &&
         memref::CastOp::areCastCompatible(to, from) &&
         from.getMemorySpace() == to.getMemorySpace();
}

struct ResultsInPlacePass : kiln::impl::ResultsInPlaceBase<ResultsInPlacePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &entry = func.getBody().front();
    SmallVector<memref::CopyOp> copies;
    for (auto copy : entry.getOps<memref::CopyOp>())
      if (writesResult(copy, entry))
        copies.push_back(copy);
    OpBuilder b(func.getContext());
    for (memref::CopyOp copy : copies) {
      auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
      Value output = copy.getTarget();
      b.setInsertionPointToStart(&entry);
      if (output.getType() != alloc.getType())
        output = memref::CastOp::create(b, alloc.getLoc(), alloc.getType(), output);
      copy.erase();
      alloc.replaceAllUsesWith(output);
      alloc.erase();
    }
  }
};

} // namespace
