//===- ContractionFusion.cpp - what a contraction kernel can absorb -------===//

#include "codegen/CUDA/ContractionFusion.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace {

/// The buffer `value` is a view of (itself when it is not a view).
Value rootOf(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

/// Whether `op` may write or free memory (allocations do neither).
bool mayWrite(Operation *op) {
  if (isMemoryEffectFree(op))
    return false;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    return true;
  return effects.hasEffect<MemoryEffects::Write>() || effects.hasEffect<MemoryEffects::Free>();
}

bool isEpilogue(linalg::LinalgOp generic, OpOperand &read, linalg::LinalgOp contraction) {
  if (!generic.hasPureBufferSemantics() || generic.getNumDpsInits() != 1 ||
      generic->getNumRegions() != 1 || generic.getNumParallelLoops() != generic.getNumLoops() ||
      !generic.isDpsInput(&read) || !generic.getMatchingIndexingMap(&read).isPermutation() ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isProjectedPermutation(); }))
    return false;
  Value result = generic.getDpsInitOperand(0)->get();
  Value root = rootOf(result);
  for (OpOperand *input : contraction.getDpsInputOperands())
    if (rootOf(input->get()) == root)
      return false;
  for (Operation *op = contraction->getNextNode(); op != generic; op = op->getNextNode())
    if (mayWrite(op))
      return false;
  return true;
}

} // namespace

kiln::ContractionFusion kiln::findContractionFusion(linalg::LinalgOp contraction) {
  ContractionFusion fusion;
  Value out = contraction.getDpsInitOperand(0)->get();
  if (!out.getDefiningOp<memref::AllocOp>())
    return fusion;
  Block *block = contraction->getBlock();
  SmallVector<Operation *> before;
  SmallVector<OpOperand *> after;
  for (OpOperand &use : out.getUses()) {
    Operation *user = use.getOwner();
    if (user == contraction.getOperation() || isa<memref::DimOp, memref::DeallocOp>(user))
      continue;
    Operation *ancestor = block->findAncestorOpInBlock(*user);
    if (!ancestor)
      return fusion;
    if (ancestor->isBeforeInBlock(contraction))
      before.push_back(user);
    else
      after.push_back(&use);
  }
  Type element = cast<MemRefType>(out.getType()).getElementType();
  if (before.size() == 1)
    if (auto fill = dyn_cast<linalg::FillOp>(before.front()))
      if (fill->getBlock() == block && fill.value().getType() == element)
        fusion.fill = fill, fusion.seed = fill.value();
  if (after.size() == 1)
    if (auto generic = dyn_cast<linalg::LinalgOp>(after.front()->getOwner()))
      if (generic->getBlock() == block && isEpilogue(generic, *after.front(), contraction))
        fusion.epilogue = generic, fusion.epilogueRead = after.front();
  return fusion;
}
