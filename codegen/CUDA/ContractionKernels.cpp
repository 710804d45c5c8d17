//===- ContractionKernels.cpp - what the contraction kernel builders share ===//

#include "codegen/CUDA/ContractionKernels.h"
#include "codegen/CUDA/KernelBuilding.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

std::optional<kiln::Contraction> kiln::matchContraction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.getElementType().isIntOrFloat())
      return std::nullopt;
  }
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.size() != 1 ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isProjectedPermutation(); }))
    return std::nullopt;
  Contraction c{op, dims->m.back(), dims->n.back(), dims->k.front(), {}};
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    if (d != c.m && d != c.n && d != c.k)
      c.outer.push_back(d);
  return c;
}

SmallVector<Value> kiln::indicesOf(linalg::LinalgOp op, OpOperand &operand,
                                   ArrayRef<Value> loops) {
  SmallVector<Value> indices;
  for (AffineExpr e : op.getMatchingIndexingMap(&operand).getResults())
    indices.push_back(loops[cast<AffineDimExpr>(e).getPosition()]);
  return indices;
}

Value kiln::inBounds(OpBuilder &b, Location loc, ArrayRef<std::pair<Value, Value>> checks) {
  Value ok = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
  for (auto [index, size] : checks)
    ok = arith::AndIOp::create(
        b, loc, ok, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, size));
  return ok;
}

Value kiln::guardedLoad(OpBuilder &b, Location loc, Value ok, Value memref, ValueRange indices,
                        Value fallback) {
  auto load = scf::IfOp::create(b, loc, TypeRange{fallback.getType()}, ok, true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(load.thenBlock());
  scf::YieldOp::create(b, loc, ValueRange{memref::LoadOp::create(b, loc, memref, indices)});
  b.setInsertionPointToStart(load.elseBlock());
  scf::YieldOp::create(b, loc, fallback);
  return load.getResult(0);
}

Value kiln::zeroOf(OpBuilder &b, Location loc, Type type) {
  return arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
}

Value kiln::indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

SmallVector<Value> kiln::outerLoopValues(OpBuilder &b, Location loc, const Contraction &c,
                                         ArrayRef<Value> sizes, Value linear,
                                         SmallVectorImpl<std::pair<Value, Value>> &outerChecks) {
  SmallVector<Value> loops(linalg::LinalgOp(c.op).getNumLoops(), indexConstant(b, loc, 0));
  Value rest = linear;
  for (int64_t i = int64_t(c.outer.size()) - 1; i >= 0; --i) {
    unsigned d = c.outer[i];
    loops[d] = i ? arith::RemSIOp::create(b, loc, rest, sizes[d]).getResult() : rest;
    if (i)
      rest = arith::DivSIOp::create(b, loc, rest, sizes[d]);
  }
  for (unsigned d : c.outer)
    outerChecks.push_back({loops[d], sizes[d]});
  return loops;
}

void kiln::storeThroughEpilogue(OpBuilder &b, Location loc, linalg::LinalgOp epilogue,
                                OpOperand *read, Value result, ArrayRef<Value> outIndices) {
  SmallVector<Value> loops(epilogue.getNumLoops());
  for (auto [j, e] : llvm::enumerate(epilogue.getMatchingIndexingMap(read).getResults()))
    loops[cast<AffineDimExpr>(e).getPosition()] = outIndices[j];
  Block &body = epilogue->getRegion(0).front();
  IRMapping mapping;
  for (OpOperand &operand : epilogue->getOpOperands()) {
    BlockArgument arg = epilogue.getMatchingBlockArgument(&operand);
    if (&operand == read)
      mapping.map(arg, result);
    else if (!arg.use_empty())
      mapping.map(
          arg, memref::LoadOp::create(b, loc, operand.get(), indicesOf(epilogue, operand, loops)));
  }
  for (Operation &op : body.without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(op))
      mapping.map(index.getResult(), loops[index.getDim()]);
    else
      b.clone(op, mapping);
  }
  OpOperand *out = epilogue.getDpsInitOperand(0);
  memref::StoreOp::create(b, loc, mapping.lookup(body.getTerminator()->getOperand(0)), out->get(),
                          indicesOf(epilogue, *out, loops));
}

void kiln::storeResult(OpBuilder &b, Location loc, const Contraction &c,
                       const ContractionFusion &fusion, Value result,
                       ArrayRef<Value> outIndices) {
  if (fusion.epilogue)
    storeThroughEpilogue(b, loc, fusion.epilogue, fusion.epilogueRead, result, outIndices);
  else
    memref::StoreOp::create(b, loc, result, linalg::LinalgOp(c.op).getDpsInitOperand(0)->get(),
                            outIndices);
}

void kiln::describeKernel(gpu::LaunchOp launch, Location loc, std::string tiling,
                          const ContractionFusion &fusion) {
  if (fusion.seed)
    tiling += ", fill";
  if (fusion.epilogue)
    tiling += ", epilogue";
  describeLaunch(launch, loc, tiling);
}

void kiln::eraseContraction(const Contraction &c, const ContractionFusion &fusion) {
  if (fusion.epilogue)
    fusion.epilogue->erase();
  if (fusion.fill)
    fusion.fill->erase();
  linalg::LinalgOp(c.op)->erase();
}
