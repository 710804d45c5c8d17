//===- TileContractions.cpp - kiln-cuda-tile-contractions -----------------===//
//
// Contractions as register-blocked tiled kernels (docs/design/targets.md): blocks of 16x16
// threads over tiles of up to 64x64 outputs, each thread holding 4x4 (or 2x2, 1x1 for small
// static shapes) accumulators in registers, the operands' k-slices staged in workgroup
// memory, the op's body folded per output; a linalg.fill of the output becomes the
// accumulators' start and an elementwise consumer (bias, activation, residual, cast) the
// kernel's epilogue (ContractionFusion.h). Tensor-core kernels refine this structure: mma
// fragments replace the scalar fold.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"
#include "codegen/CUDA/ContractionKernels.h"
#include "codegen/CUDA/KernelBuilding.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/Support/MathExtras.h"

namespace kiln {
#define GEN_PASS_DEF_CUDATILECONTRACTIONS
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

constexpr int64_t kThreads = 16;    // a block is kThreads x kThreads threads
constexpr int64_t kStep = 16;       // the k extent staged per step: one column per thread x
constexpr int64_t kMinBlocks = 128; // about one block per SM of an A100, H100 or H200

/// Outputs per thread along m and along n (the block tile is kThreads times that): 4, unless
/// static sizes say a smaller tile wastes fewer threads or gives the GPU enough blocks.
int64_t outputsPerThread(const Contraction &c) {
  SmallVector<int64_t> sizes = linalg::LinalgOp(c.op).getStaticLoopRanges();
  auto capped = [](int64_t size, int64_t r) {
    while (r > 1 && !ShapedType::isDynamic(size) && kThreads * (r / 2) >= size)
      r /= 2;
    return r;
  };
  int64_t r = std::min(capped(sizes[c.m], 4), capped(sizes[c.n], 4));
  if (ShapedType::isDynamic(sizes[c.m]) || ShapedType::isDynamic(sizes[c.n]))
    return r;
  int64_t batches = 1;
  for (unsigned d : c.outer) {
    if (ShapedType::isDynamic(sizes[d]))
      return r;
    batches *= sizes[d];
  }
  auto blocks = [&](int64_t r) {
    return llvm::divideCeil(sizes[c.m], kThreads * r) * llvm::divideCeil(sizes[c.n], kThreads * r) *
           batches;
  };
  while (r > 1 && blocks(r) < kMinBlocks)
    r /= 2;
  return r;
}

/// The kernel of one contraction: blocks of kThreads x kThreads threads over tiles of
/// (kThreads * r)^2 outputs, thread (tx, ty) owning the r x r outputs (ty + kThreads i,
/// tx + kThreads j) of its block's tile in registers; per kStep-wide step of k both operands'
/// slices are staged in workgroup memory and every thread folds the op's body over them.
void tileContraction(const Contraction &c, kiln::ContractionFusion fusion) {
  linalg::LinalgOp op = c.op;
  const int64_t r = outputsPerThread(c), tileSize = kThreads * r;
  Operation *position = fusion.epilogue ? fusion.epilogue.getOperation() : op.getOperation();
  OpBuilder b(position);
  Location loc = op.getLoc();
  SmallVector<Value> sizes;
  for (Range range : op.createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
  Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
  Value threads = indexConstant(b, loc, kThreads), tile = indexConstant(b, loc, tileSize);
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
  Type accType = cast<MemRefType>(out->get().getType()).getElementType();
  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  // The rhs rows are padded by half a warp where two rows would otherwise share banks.
  const int64_t rhsRow = tileSize % 32 == 0 ? tileSize + kThreads : tileSize;
  auto lhsStage =
      MemRefType::get({tileSize, kStep}, lhsType, MemRefLayoutAttrInterface(), workgroup);
  auto rhsStage = MemRefType::get({kStep, rhsRow}, rhsType, MemRefLayoutAttrInterface(), workgroup);
  auto launch = gpu::LaunchOp::create(
      b, loc, tiles(sizes[c.n]), tiles(sizes[c.m]), arith::MaxSIOp::create(b, loc, batches, one),
      threads, threads, one, /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      ValueRange{}, TypeRange{lhsStage, rhsStage});
  describeKernel(launch, loc,
                 std::to_string(tileSize) + "x" + std::to_string(tileSize) + "x" +
                     std::to_string(kStep) + " tile, " + std::to_string(r) + "x" +
                     std::to_string(r) + " per thread, " + fmaPrecision(lhsType, accType),
                 fusion);
  Value lhsTile = launch.getWorkgroupAttributions()[0];
  Value rhsTile = launch.getWorkgroupAttributions()[1];
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value tx = launch.getThreadIds().x, ty = launch.getThreadIds().y;
  auto offset = [&](Value base, int64_t i) {
    return i ? arith::AddIOp::create(b, loc, base, indexConstant(b, loc, kThreads * i)).getResult()
             : base;
  };
  Value rowBase = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().y, tile), ty);
  Value colBase = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, tile), tx);
  SmallVector<Value> rows, cols, tileRows, tileCols;
  for (int64_t i = 0; i < r; ++i) {
    rows.push_back(offset(rowBase, i)), cols.push_back(offset(colBase, i));
    tileRows.push_back(offset(ty, i)), tileCols.push_back(offset(tx, i));
  }

  // Loop dim values; the outer dims from blockIdx.z.
  SmallVector<std::pair<Value, Value>> outerChecks;
  SmallVector<Value> loops =
      outerLoopValues(b, loc, c, sizes, launch.getBlockIds().z, outerChecks);
  auto at = [&](Value row, Value col, Value kIndex) {
    SmallVector<Value> values = loops;
    values[c.m] = row, values[c.n] = col, values[c.k] = kIndex;
    return values;
  };

  // The outputs this thread owns (row-major over i, j), starting from the fill or the output.
  SmallVector<Value> owns, initial;
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < r; ++j) {
      SmallVector<std::pair<Value, Value>> checks = outerChecks;
      checks.append({{rows[i], sizes[c.m]}, {cols[j], sizes[c.n]}});
      owns.push_back(inBounds(b, loc, checks));
      initial.push_back(fusion.seed ? fusion.seed
                                    : guardedLoad(b, loc, owns.back(), out->get(),
                                                  indicesOf(op, *out, at(rows[i], cols[j], zero)),
                                                  zeroOf(b, loc, accType)));
    }

  auto steps = scf::ForOp::create(b, loc, zero, sizes[c.k], indexConstant(b, loc, kStep), initial);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(steps.getBody());
    Value k0 = steps.getInductionVar();
    // Stage lhsTile[ty + 16 i][tx] = lhs[row_i, k0 + tx], rhsTile[ty][tx + 16 j] =
    // rhs[k0 + ty, col_j]: consecutive threads read consecutive k of lhs and n of rhs.
    Value kx = arith::AddIOp::create(b, loc, k0, tx), ky = arith::AddIOp::create(b, loc, k0, ty);
    for (int64_t i = 0; i < r; ++i) {
      SmallVector<std::pair<Value, Value>> checks = outerChecks;
      checks.append({{rows[i], sizes[c.m]}, {kx, sizes[c.k]}});
      Value a = guardedLoad(b, loc, inBounds(b, loc, checks), lhs->get(),
                            indicesOf(op, *lhs, at(rows[i], zero, kx)), zeroOf(b, loc, lhsType));
      memref::StoreOp::create(b, loc, a, lhsTile, ValueRange{tileRows[i], tx});
    }
    for (int64_t j = 0; j < r; ++j) {
      SmallVector<std::pair<Value, Value>> checks = outerChecks;
      checks.append({{ky, sizes[c.k]}, {cols[j], sizes[c.n]}});
      Value v = guardedLoad(b, loc, inBounds(b, loc, checks), rhs->get(),
                            indicesOf(op, *rhs, at(zero, cols[j], ky)), zeroOf(b, loc, rhsType));
      memref::StoreOp::create(b, loc, v, rhsTile, ValueRange{ty, tileCols[j]});
    }
    gpu::BarrierOp::create(b, loc);
    // acc[i][j] = body(lhsTile[ty + 16 i][kk], rhsTile[kk][tx + 16 j], acc[i][j]).
    auto inner = scf::ForOp::create(b, loc, zero, indexConstant(b, loc, kStep), one,
                                    steps.getRegionIterArgs());
    {
      OpBuilder::InsertionGuard innerGuard(b);
      b.setInsertionPointToStart(inner.getBody());
      Value kk = inner.getInductionVar();
      SmallVector<Value> as, bs, next;
      for (int64_t i = 0; i < r; ++i) {
        as.push_back(memref::LoadOp::create(b, loc, lhsTile, ValueRange{tileRows[i], kk}));
        bs.push_back(memref::LoadOp::create(b, loc, rhsTile, ValueRange{kk, tileCols[i]}));
      }
      Block &body = op->getRegion(0).front();
      for (int64_t i = 0; i < r; ++i)
        for (int64_t j = 0; j < r; ++j) {
          IRMapping mapping;
          mapping.map(body.getArgument(0), as[i]);
          mapping.map(body.getArgument(1), bs[j]);
          mapping.map(body.getArgument(2), inner.getRegionIterArgs()[i * r + j]);
          for (Operation &bodyOp : body.without_terminator())
            b.clone(bodyOp, mapping);
          next.push_back(mapping.lookup(body.getTerminator()->getOperand(0)));
        }
      scf::YieldOp::create(b, loc, next);
    }
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, inner.getResults());
  }
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < r; ++j) {
      auto write = scf::IfOp::create(b, loc, owns[i * r + j], /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(write.thenBlock()->getTerminator());
      storeResult(b, loc, c, fusion, steps.getResult(i * r + j),
                  indicesOf(op, *out, at(rows[i], cols[j], zero)));
    }
  eraseContraction(c, fusion);
}

struct CUDATileContractionsPass : kiln::impl::CUDATileContractionsBase<CUDATileContractionsPass> {
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
      tileContraction(c, findContractionFusion(c.op));
  }
};

} // namespace
