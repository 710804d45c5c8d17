//===- TileContractions.cpp - kiln-cuda-tile-contractions -----------------===//
//
// Contractions as tiled kernels (docs/design/targets.md): 16x16 output tiles per block, the
// operands' k-slices staged in workgroup memory, the op's body folded per thread. The tiling
// structure (block tile, k step, staging, per-thread fold) is the one tensor-core kernels
// refine: larger tiles, register blocking and mma fragments replace the scalar fold.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"

namespace kiln {
#define GEN_PASS_DEF_CUDATILECONTRACTIONS
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr int64_t kTile = 16;

struct Contraction {
  linalg::LinalgOp op;
  unsigned m, n, k;
  SmallVector<unsigned> outer; // every other loop dim (all parallel)
};

std::optional<Contraction> matchContraction(linalg::LinalgOp op) {
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

/// The indices of `operand` for the loop dims' values `loops`.
SmallVector<Value> indicesOf(linalg::LinalgOp op, OpOperand &operand, ArrayRef<Value> loops) {
  SmallVector<Value> indices;
  for (AffineExpr e : op.getMatchingIndexingMap(&operand).getResults())
    indices.push_back(loops[cast<AffineDimExpr>(e).getPosition()]);
  return indices;
}

Value inBounds(OpBuilder &b, Location loc, ArrayRef<std::pair<Value, Value>> checks) {
  Value ok = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
  for (auto [index, size] : checks)
    ok = arith::AndIOp::create(
        b, loc, ok, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, size));
  return ok;
}

/// `memref[indices]` where `ok`, else `fallback`.
Value guardedLoad(OpBuilder &b, Location loc, Value ok, Value memref, ValueRange indices,
                  Value fallback) {
  auto load = scf::IfOp::create(b, loc, TypeRange{fallback.getType()}, ok, true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(load.thenBlock());
  scf::YieldOp::create(b, loc, ValueRange{memref::LoadOp::create(b, loc, memref, indices)});
  b.setInsertionPointToStart(load.elseBlock());
  scf::YieldOp::create(b, loc, fallback);
  return load.getResult(0);
}

Value zeroOf(OpBuilder &b, Location loc, Type type) {
  return arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
}

void tileContraction(const Contraction &c) {
  linalg::LinalgOp op = c.op;
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<Value> sizes;
  for (Range r : op.createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, r.size));
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value tile = arith::ConstantIndexOp::create(b, loc, kTile);
  Value batches = one;
  for (unsigned d : c.outer)
    batches = arith::MulIOp::create(b, loc, batches, sizes[d]);
  auto tiles = [&](Value size) {
    return arith::MaxSIOp::create(b, loc, arith::CeilDivSIOp::create(b, loc, size, tile), one);
  };
  OpOperand *lhs = op.getDpsInputOperand(0), *rhs = op.getDpsInputOperand(1);
  OpOperand *out = op.getDpsInitOperand(0);
  Type lhsType = cast<MemRefType>(lhs->get().getType()).getElementType();
  Type rhsType = cast<MemRefType>(rhs->get().getType()).getElementType();
  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto stage = [&](Type t) {
    return MemRefType::get({kTile, kTile}, t, MemRefLayoutAttrInterface(), workgroup);
  };
  auto launch = gpu::LaunchOp::create(
      b, loc, tiles(sizes[c.n]), tiles(sizes[c.m]), arith::MaxSIOp::create(b, loc, batches, one),
      tile, tile, one, /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      ValueRange{}, TypeRange{stage(lhsType), stage(rhsType)});
  Value lhsTile = launch.getWorkgroupAttributions()[0];
  Value rhsTile = launch.getWorkgroupAttributions()[1];
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value tx = launch.getThreadIds().x, ty = launch.getThreadIds().y;
  Value row = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().y, tile), ty);
  Value col = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, tile), tx);

  // Loop dim values; the outer dims from blockIdx.z.
  SmallVector<Value> loops(op.getNumLoops(), zero);
  Value rest = launch.getBlockIds().z;
  for (int64_t i = int64_t(c.outer.size()) - 1; i >= 0; --i) {
    unsigned d = c.outer[i];
    loops[d] = i ? arith::RemSIOp::create(b, loc, rest, sizes[d]).getResult() : rest;
    if (i)
      rest = arith::DivSIOp::create(b, loc, rest, sizes[d]);
  }
  SmallVector<std::pair<Value, Value>> outerChecks;
  for (unsigned d : c.outer)
    outerChecks.push_back({loops[d], sizes[d]});

  // The output element this thread owns, starting from its value.
  loops[c.m] = row, loops[c.n] = col;
  SmallVector<std::pair<Value, Value>> ownChecks = outerChecks;
  ownChecks.append({{row, sizes[c.m]}, {col, sizes[c.n]}});
  Value owns = inBounds(b, loc, ownChecks);
  Type accType = cast<MemRefType>(out->get().getType()).getElementType();
  SmallVector<Value> outIndices = indicesOf(op, *out, loops);
  Value initial = guardedLoad(b, loc, owns, out->get(), outIndices, zeroOf(b, loc, accType));

  auto steps = scf::ForOp::create(b, loc, zero, sizes[c.k], tile, ValueRange{initial});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(steps.getBody());
    Value k0 = steps.getInductionVar();
    // Stage: lhsTile[ty][tx] = lhs[row, k0 + tx], rhsTile[ty][tx] = rhs[k0 + ty, col].
    SmallVector<Value> at = loops;
    at[c.k] = arith::AddIOp::create(b, loc, k0, tx);
    SmallVector<std::pair<Value, Value>> lhsChecks = outerChecks;
    lhsChecks.append({{row, sizes[c.m]}, {at[c.k], sizes[c.k]}});
    Value a = guardedLoad(b, loc, inBounds(b, loc, lhsChecks), lhs->get(),
                          indicesOf(op, *lhs, at), zeroOf(b, loc, lhsType));
    memref::StoreOp::create(b, loc, a, lhsTile, ValueRange{ty, tx});
    at[c.k] = arith::AddIOp::create(b, loc, k0, ty);
    SmallVector<std::pair<Value, Value>> rhsChecks = outerChecks;
    rhsChecks.append({{at[c.k], sizes[c.k]}, {col, sizes[c.n]}});
    Value bv = guardedLoad(b, loc, inBounds(b, loc, rhsChecks), rhs->get(),
                           indicesOf(op, *rhs, at), zeroOf(b, loc, rhsType));
    memref::StoreOp::create(b, loc, bv, rhsTile, ValueRange{ty, tx});
    gpu::BarrierOp::create(b, loc);
    // Fold the op's body over the tile: acc = body(lhsTile[ty][i], rhsTile[i][tx], acc).
    auto inner = scf::ForOp::create(b, loc, zero, tile, one,
                                    ValueRange{steps.getRegionIterArgs()[0]});
    {
      OpBuilder::InsertionGuard innerGuard(b);
      b.setInsertionPointToStart(inner.getBody());
      Value i = inner.getInductionVar();
      Block &body = op->getRegion(0).front();
      IRMapping mapping;
      mapping.map(body.getArgument(0), memref::LoadOp::create(b, loc, lhsTile, ValueRange{ty, i}));
      mapping.map(body.getArgument(1), memref::LoadOp::create(b, loc, rhsTile, ValueRange{i, tx}));
      mapping.map(body.getArgument(2), inner.getRegionIterArgs()[0]);
      for (Operation &bodyOp : body.without_terminator())
        b.clone(bodyOp, mapping);
      scf::YieldOp::create(b, loc, mapping.lookup(body.getTerminator()->getOperand(0)));
    }
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, inner.getResult(0));
  }
  auto write = scf::IfOp::create(b, loc, owns, /*withElseRegion=*/false);
  b.setInsertionPoint(write.thenBlock()->getTerminator());
  memref::StoreOp::create(b, loc, steps.getResult(0), out->get(), outIndices);
  op->erase();
}

struct CUDATileContractionsPass
    : kiln::impl::CUDATileContractionsBase<CUDATileContractionsPass> {
  void runOnOperation() override {
    auto main = getOperation().lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal())
      return;
    SmallVector<Contraction> found;
    main.walk([&](linalg::LinalgOp op) {
      if (std::optional<Contraction> c = matchContraction(op))
        found.push_back(*c);
    });
    for (const Contraction &c : found)
      tileContraction(c);
  }
};

} // namespace
