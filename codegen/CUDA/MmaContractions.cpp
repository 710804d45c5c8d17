//===- MmaContractions.cpp - kiln-cuda-mma-contractions -------------------===//
//
// Contractions with f16 or bf16 operands (or f32 ones as TF32, `tf32`) and f32 accumulation on
// the tensor cores (docs/design/tensor-cores.md): 128-thread blocks, 4 warps in 2x2 over a 64x64
// output tile, each warp's 32x32 outputs as 2x4 mma.sync m16n8k16 accumulator fragments kept in
// registers for the whole k loop; operands staged in workgroup memory per 32-wide step of k and
// read as fragments with ldmatrix. The fragment layouts are the PTX ISA's, by construction:
//   lane l, g = l / 4, t = l % 4; accumulator element (h, e) of fragment (mi, nj) is output
//   (warp row + 16 mi + g + 8 h, warp col + 8 nj + 2 t + e).
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"
#include "codegen/CUDA/ContractionKernels.h"
#include "codegen/CUDA/MmaFragments.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace kiln {
#define GEN_PASS_DEF_CUDAMMACONTRACTIONS
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::mma;

namespace {

constexpr int64_t kWarpsM = 2, kWarpsN = 2, kThreads = kWarpsM * kWarpsN * mma::kWarpSize;
constexpr int64_t kWarpTile = 32;               // each warp's outputs: kWarpTile square
constexpr int64_t kTileM = kWarpsM * kWarpTile; // the block's outputs along m
constexpr int64_t kTileN = kWarpsN * kWarpTile; // and along n
constexpr int64_t kStepK = 32;                  // k staged per step: 2 mma k16 (4 tf32 k8)
constexpr int64_t kFragmentsM = kWarpTile / 16; // m16 fragments per warp
constexpr int64_t kFragmentsN = kWarpTile / 8;  // n8 fragments per warp
constexpr int64_t kPad = 8;                     // 16 bytes of 16-bit elements per staged row

/// Whether the body of `op` is `acc + ext(a) * ext(b)` (in either order, each extension
/// optional when the operand already has the accumulator's type).
bool isMultiplyAdd(linalg::LinalgOp op) {
  Block &body = op->getRegion(0).front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getValues().front().getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body.getArgument(2);
  Value product = add.getLhs() == acc ? add.getRhs() : add.getRhs() == acc ? add.getLhs() : nullptr;
  auto mul = product ? product.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul)
    return false;
  auto source = [](Value v) {
    if (auto ext = v.getDefiningOp<arith::ExtFOp>())
      return ext.getIn();
    return v;
  };
  Value x = source(mul.getLhs()), y = source(mul.getRhs());
  Value a = body.getArgument(0), b = body.getArgument(1);
  return ((x == a && y == b) || (x == b && y == a)) &&
         llvm::range_size(body.without_terminator()) <= 4;
}

/// The float type both operands of `c` have when it can run on the tensor cores: f16 or bf16,
/// or f32 (as TF32) when `tf32` allows it.
Type mmaOperandType(const Contraction &c, bool tf32) {
  auto elementOf = [](Value v) { return cast<MemRefType>(v.getType()).getElementType(); };
  linalg::LinalgOp op = c.op;
  Type lhs = elementOf(op.getDpsInputOperand(0)->get());
  Type rhs = elementOf(op.getDpsInputOperand(1)->get());
  Type out = elementOf(op.getDpsInitOperand(0)->get());
  if (lhs != rhs || !(lhs.isF16() || lhs.isBF16() || (tf32 && lhs.isF32())) || !out.isF32() ||
      !isMultiplyAdd(op))
    return nullptr;
  return lhs;
}

std::string typeName(Type type) { return type.isF16() ? "f16" : type.isBF16() ? "bf16" : "tf32"; }

/// The k of one mma.sync: m16n8k16 for 16-bit operands, m16n8k8 for TF32.
int64_t mmaK(Type operand) { return operand.isF32() ? 8 : 16; }

/// The values of a kernel under construction that every part of it uses.
struct MmaKernel {
  const Contraction &c;
  const ContractionFusion &fusion;
  Type operand;
  SmallVector<Value> sizes;                         // the loop dims' sizes
  SmallVector<Value> loops;                         // the outer dims' values, others 0
  SmallVector<std::pair<Value, Value>> outerChecks; // the outer dims in range
  Value tid, lane;
  Value rowBase, colBase; // the block's first output row and column
  Value warpM, warpN;     // the warp's first row and column within the block's tile
  Value lhsStage, rhsStage;

  /// The loop values with m, n and k set.
  SmallVector<Value> at(Value row, Value col, Value kIndex) const {
    SmallVector<Value> values = loops;
    values[c.m] = row, values[c.n] = col, values[c.k] = kIndex;
    return values;
  }
};

/// The output element of accumulator element (h, e) of fragment (mi, nj) of this thread.
std::pair<Value, Value> outputOf(OpBuilder &b, Location loc, const MmaKernel &k, int64_t mi,
                                 int64_t nj, Value h, Value e) {
  Value row = add(b, loc, add(b, loc, k.rowBase, k.warpM), div(b, loc, k.lane, 4));
  Value col = add(b, loc, add(b, loc, k.colBase, k.warpN), mul(b, loc, rem(b, loc, k.lane, 4), 2));
  return {add(b, loc, add(b, loc, row, 16 * mi), mul(b, loc, h, 8)),
          add(b, loc, add(b, loc, col, 8 * nj), e)};
}

/// Whether output (row, col) of the thread's batch exists.
Value ownsOutput(OpBuilder &b, Location loc, const MmaKernel &k, Value row, Value col) {
  SmallVector<std::pair<Value, Value>> checks = k.outerChecks;
  checks.append({{row, k.sizes[k.c.m]}, {col, k.sizes[k.c.n]}});
  return inBounds(b, loc, checks);
}

/// The accumulators' start: the fill's value, or the output's contents at each fragment
/// element (0 outside the output).
SmallVector<Value> initialAccumulators(OpBuilder &b, Location loc, const MmaKernel &k) {
  auto type = VectorType::get({2, 2}, b.getF32Type());
  SmallVector<Value> accs;
  linalg::LinalgOp op = k.c.op;
  OpOperand *out = op.getDpsInitOperand(0);
  for (int64_t mi = 0; mi < kFragmentsM; ++mi)
    for (int64_t nj = 0; nj < kFragmentsN; ++nj) {
      if (k.fusion.seed) {
        accs.push_back(vector::BroadcastOp::create(b, loc, type, k.fusion.seed));
        continue;
      }
      Value acc = zeroOf(b, loc, type);
      for (int64_t h = 0; h < 2; ++h)
        for (int64_t e = 0; e < 2; ++e) {
          auto [row, col] =
              outputOf(b, loc, k, mi, nj, indexConstant(b, loc, h), indexConstant(b, loc, e));
          Value v = guardedLoad(b, loc, ownsOutput(b, loc, k, row, col), out->get(),
                                indicesOf(op, *out, k.at(row, col, k.loops[k.c.k])),
                                zeroOf(b, loc, b.getF32Type()));
          acc = vector::InsertOp::create(b, loc, v, acc, ArrayRef<int64_t>{h, e});
        }
      accs.push_back(acc);
    }
  return accs;
}

/// Stages the k-slice [k0, k0 + kStepK) of both operands in workgroup memory, 0 outside
/// them: consecutive threads read consecutive k of the lhs and n of the rhs. Each thread
/// copies `copies` elements of each in a loop (which the GPU backend unrolls; the emulator's
/// twin stays small).
void stageOperands(OpBuilder &b, Location loc, const MmaKernel &k, Value k0) {
  linalg::LinalgOp op = k.c.op;
  OpOperand *lhs = op.getDpsInputOperand(0), *rhs = op.getDpsInputOperand(1);
  Value zero = zeroOf(b, loc, k.operand);
  auto copy = [&](int64_t copies, llvm::function_ref<void(Value)> body) {
    auto loop = scf::ForOp::create(b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, copies),
                                   indexConstant(b, loc, 1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    body(loop.getInductionVar());
  };
  // lhs: row tid / kStepK + (kThreads / kStepK) s, column tid % kStepK.
  Value lhsRow = div(b, loc, k.tid, kStepK), lhsCol = rem(b, loc, k.tid, kStepK);
  Value lhsK = add(b, loc, k0, lhsCol);
  copy(kTileM * kStepK / kThreads, [&](Value s) {
    Value row = add(b, loc, lhsRow, mul(b, loc, s, kThreads / kStepK));
    Value global = add(b, loc, k.rowBase, row);
    SmallVector<std::pair<Value, Value>> checks = k.outerChecks;
    checks.append({{global, k.sizes[k.c.m]}, {lhsK, k.sizes[k.c.k]}});
    Value v = guardedLoad(b, loc, inBounds(b, loc, checks), lhs->get(),
                          indicesOf(op, *lhs, k.at(global, k.loops[k.c.n], lhsK)), zero);
    memref::StoreOp::create(b, loc, v, k.lhsStage, ValueRange{row, lhsCol});
  });
  // rhs: row (k) tid / kTileN + (kThreads / kTileN) s, column (n) tid % kTileN.
  Value rhsRow = div(b, loc, k.tid, kTileN), rhsCol = rem(b, loc, k.tid, kTileN);
  Value rhsN = add(b, loc, k.colBase, rhsCol);
  copy(kStepK * kTileN / kThreads, [&](Value s) {
    Value row = add(b, loc, rhsRow, mul(b, loc, s, kThreads / kTileN));
    Value kIndex = add(b, loc, k0, row);
    SmallVector<std::pair<Value, Value>> checks = k.outerChecks;
    checks.append({{kIndex, k.sizes[k.c.k]}, {rhsN, k.sizes[k.c.n]}});
    Value v = guardedLoad(b, loc, inBounds(b, loc, checks), rhs->get(),
                          indicesOf(op, *rhs, k.at(k.loops[k.c.m], rhsN, kIndex)), zero);
    memref::StoreOp::create(b, loc, v, k.rhsStage, ValueRange{row, rhsCol});
  });
}

/// One mma k step of the warp: its A fragments, its B fragments and the 2x4 products. 16-bit
/// operands: A by ldmatrix x4 (16x16), B by ldmatrix x4 transposed (two n8 fragments of 16x8
/// each); TF32: both by plain loads (16x8 and 8x8).
SmallVector<Value> multiplyStep(OpBuilder &b, Location loc, const MmaKernel &k, Value kk,
                                ValueRange accs) {
  bool tf32 = k.operand.isF32();
  SmallVector<Value> as, bs;
  for (int64_t mi = 0; mi < kFragmentsM; ++mi) {
    Value row = add(b, loc, k.warpM, 16 * mi);
    as.push_back(tf32 ? loadATf32(b, loc, k.lhsStage, row, kk, k.lane)
                      : loadA(b, loc, k.lhsStage, row, kk, k.lane));
  }
  for (int64_t p = 0; p < kFragmentsN / 2; ++p) {
    Value col = add(b, loc, k.warpN, 16 * p);
    if (tf32) {
      for (int64_t half = 0; half < 2; ++half)
        bs.push_back(loadBTf32KMajor(b, loc, k.rhsStage, kk, add(b, loc, col, 8 * half), k.lane));
      continue;
    }
    llvm::append_range(bs, loadBKMajor(b, loc, k.rhsStage, kk, col, k.lane));
  }
  SmallVector<Value> next;
  for (int64_t mi = 0; mi < kFragmentsM; ++mi)
    for (int64_t nj = 0; nj < kFragmentsN; ++nj)
      next.push_back(multiplyAdd(b, loc, as[mi], bs[nj], accs[mi * kFragmentsN + nj]));
  return next;
}

void buildMmaKernel(const Contraction &c, const ContractionFusion &fusion, Type operand) {
  linalg::LinalgOp op = c.op;
  linalg::LinalgOp epilogue = fusion.epilogue;
  Operation *position = epilogue ? epilogue.getOperation() : op.getOperation();
  OpBuilder b(position);
  Location loc = op.getLoc();
  MmaKernel k{c, fusion, operand, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}};
  for (Range range : op.createLoopRanges(b, loc))
    k.sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
  Value one = indexConstant(b, loc, 1);
  Value batches = one;
  for (unsigned d : c.outer)
    batches = arith::MulIOp::create(b, loc, batches, k.sizes[d]);
  auto tiles = [&](Value size, int64_t tile) {
    return arith::MaxSIOp::create(
        b, loc, arith::CeilDivSIOp::create(b, loc, size, indexConstant(b, loc, tile)), one);
  };
  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  // Rows padded by 16 bytes (lhs) so that the 8 rows one fragment load reads fall in
  // different banks; the TF32 B fragments read 4 k rows of 8 columns, which a 32-byte pad
  // spreads over all 32 banks.
  int64_t lhsPad = operand.isF32() ? 4 : kPad;
  auto lhsType =
      MemRefType::get({kTileM, kStepK + lhsPad}, operand, MemRefLayoutAttrInterface(), workgroup);
  auto rhsType =
      MemRefType::get({kStepK, kTileN + kPad}, operand, MemRefLayoutAttrInterface(), workgroup);
  auto launch = gpu::LaunchOp::create(
      b, loc, tiles(k.sizes[c.n], kTileN), tiles(k.sizes[c.m], kTileM),
      arith::MaxSIOp::create(b, loc, batches, one), indexConstant(b, loc, kThreads), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr, ValueRange{},
      TypeRange{lhsType, rhsType});
  describeKernel(launch, loc,
                 std::to_string(kTileM) + "x" + std::to_string(kTileN) + "x" +
                     std::to_string(kStepK) + " tile, mma.sync m16n8k" +
                     std::to_string(mmaK(operand)) + " " + typeName(operand) +
                     " (f32 accumulate), " + std::to_string(kWarpsM) + "x" +
                     std::to_string(kWarpsN) + " warps",
                 fusion);
  k.lhsStage = launch.getWorkgroupAttributions()[0];
  k.rhsStage = launch.getWorkgroupAttributions()[1];
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());

  k.tid = launch.getThreadIds().x;
  Value warp = div(b, loc, k.tid, mma::kWarpSize);
  k.lane = rem(b, loc, k.tid, mma::kWarpSize);
  k.rowBase = mul(b, loc, launch.getBlockIds().y, kTileM);
  k.colBase = mul(b, loc, launch.getBlockIds().x, kTileN);
  k.warpM = mul(b, loc, div(b, loc, warp, kWarpsN), kWarpTile);
  k.warpN = mul(b, loc, rem(b, loc, warp, kWarpsN), kWarpTile);
  k.loops = outerLoopValues(b, loc, c, k.sizes, launch.getBlockIds().z, k.outerChecks);

  SmallVector<Value> initial = initialAccumulators(b, loc, k);
  auto steps = scf::ForOp::create(b, loc, indexConstant(b, loc, 0), k.sizes[c.k],
                                  indexConstant(b, loc, kStepK), initial);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(steps.getBody());
    stageOperands(b, loc, k, steps.getInductionVar());
    gpu::BarrierOp::create(b, loc);
    // The mma k steps of the staged slice as a loop (unrolled by the GPU backend).
    auto halves =
        scf::ForOp::create(b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, kStepK),
                           indexConstant(b, loc, mmaK(operand)), steps.getRegionIterArgs());
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(halves.getBody());
      scf::YieldOp::create(
          b, loc, multiplyStep(b, loc, k, halves.getInductionVar(), halves.getRegionIterArgs()));
    }
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, halves.getResults());
  }
  // Each fragment's 4 elements in a loop (unrolled by the GPU backend, so the accumulators
  // stay in registers; the emulator's twin stays small).
  OpOperand *out = op.getDpsInitOperand(0);
  for (int64_t mi = 0; mi < kFragmentsM; ++mi)
    for (int64_t nj = 0; nj < kFragmentsN; ++nj) {
      auto elements = scf::ForOp::create(b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, 4),
                                         indexConstant(b, loc, 1));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(elements.getBody());
      Value i = elements.getInductionVar();
      Value h = div(b, loc, i, 2), e = rem(b, loc, i, 2);
      auto [row, col] = outputOf(b, loc, k, mi, nj, h, e);
      auto write = scf::IfOp::create(b, loc, ownsOutput(b, loc, k, row, col),
                                     /*withElseRegion=*/false);
      b.setInsertionPoint(write.thenBlock()->getTerminator());
      Value result = fragmentElement(b, loc, steps.getResult(mi * kFragmentsN + nj), i);
      storeResult(b, loc, c, fusion, result, indicesOf(op, *out, k.at(row, col, k.loops[c.k])));
    }
  eraseContraction(c, fusion);
}

struct CUDAMmaContractionsPass : kiln::impl::CUDAMmaContractionsBase<CUDAMmaContractionsPass> {
  using CUDAMmaContractionsBase::CUDAMmaContractionsBase;

  void runOnOperation() override {
    auto main = getOperation().lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal() || minSM < 80)
      return;
    SmallVector<std::pair<Contraction, Type>> found;
    main.walk([&](linalg::LinalgOp op) {
      if (std::optional<Contraction> c = matchContraction(op))
        if (Type operand = mmaOperandType(*c, tf32))
          found.push_back({*c, operand});
    });
    for (auto &[c, operand] : found)
      buildMmaKernel(c, findContractionFusion(c.op), operand);
  }
};

} // namespace
