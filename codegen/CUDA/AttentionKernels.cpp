//===- AttentionKernels.cpp - kiln-cuda-attention-kernels -----------------===//
//
// kiln.attention on buffers as one online-softmax kernel (docs/design/flash-attention.md):
// a block per (query tile, head, batch); T threads per query row, each holding a strided
// share of the query and of the output row in registers; K, V and mask tiles staged in
// workgroup memory; scores combined across a row's threads by warp shuffles; the running
// maximum and sum rescale the output row when a key raises the maximum.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"

#include "codegen/CUDA/AttentionGeometry.h"
#include "codegen/CUDA/FlashAttention.h"
#include "codegen/CUDA/KernelBuilding.h"
#include "passes/Conversion/TFMToLinalg/AttentionScores.h"

#include <limits>

namespace kiln {
#define GEN_PASS_DEF_CUDAATTENTIONKERNELS
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

/// Builds the kernel of one kiln.attention at the op's place in @main.
class FlashAttentionKernel {
public:
  FlashAttentionKernel(kiln::AttentionOp op, const FlashAttentionPlan &plan,
                       const AttentionScoreTerms &terms)
      : op(op), plan(plan), terms(terms), b(op), loc(op.getLoc()) {}

  void build();

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f32(double v) { return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v)); }
  Value negInf() { return f32(-std::numeric_limits<double>::infinity()); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value less(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, y);
  }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }

  Value loadF32(Value valid, Value memref, ValueRange indices);
  void rowState();
  void stageRows(Value shared, Value source, std::array<int64_t, 4> pos, int64_t width, Value tile);
  void stageMask(Value shared, Value tile);
  SmallVector<Value> tileStep(Value tile, ValueRange state);
  Value score(Value tile, Value key);
  SmallVector<Value> keyStep(Value tile, Value key, ValueRange state);
  void writeOutput(ValueRange state);

  kiln::AttentionOp op;
  FlashAttentionPlan plan;
  AttentionScoreTerms terms;
  OpBuilder b;
  Location loc;
  AttentionGeometry geometry;
  // Kernel values.
  Value thread, batchId, head, kvHead, row, lane, rowBase, query, active, rowValid, offset;
  Value kvBegin, kvEnd;
  Value sharedK, sharedV, sharedMask;
  SmallVector<Value> queryChunk;
};

Value FlashAttentionKernel::loadF32(Value valid, Value memref, ValueRange indices) {
  auto guard = scf::IfOp::create(b, loc, TypeRange{b.getF32Type()}, valid, true);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(guard.thenBlock());
  Value v = memref::LoadOp::create(b, loc, memref, indices);
  if (v.getType().isInteger(1))
    v = arith::SelectOp::create(b, loc, v, f32(1.0), f32(0.0));
  else if (!v.getType().isF32())
    v = arith::ExtFOp::create(b, loc, b.getF32Type(), v);
  scf::YieldOp::create(b, loc, v);
  b.setInsertionPointToStart(guard.elseBlock());
  scf::YieldOp::create(b, loc, f32(0.0));
  return guard.getResult(0);
}

/// Which query row, batch and heads this thread works on, and its share of the query row.
void FlashAttentionKernel::rowState() {
  row = arith::DivUIOp::create(b, loc, thread, index(plan.lanes));
  lane = arith::RemUIOp::create(b, loc, thread, index(plan.lanes));
  query = add(rowBase, row);
  active = less(batchId, geometry.batch);
  rowValid = both(active, less(query, geometry.queries));
  kvHead = geometry.kvHead(b, loc, head);
  offset = arith::SubIOp::create(b, loc, geometry.keys, geometry.queries);
  for (int64_t c = 0; c < plan.queryChunk(); ++c) {
    Value d = add(lane, index(plan.lanes * c));
    Value valid =
        plan.headDim % plan.lanes ? both(rowValid, less(d, index(plan.headDim))) : rowValid;
    queryChunk.push_back(loadF32(valid, op.getQuery(),
                                 AttentionGeometry::at(geometry.qPos, {batchId, head, query, d})));
  }
}

/// shared[j, d] = source[batch, kvHead, tile + j, d] in f32 (0 past the visible keys), the
/// block's threads walking the tile in order, so consecutive threads read consecutive
/// elements.
void FlashAttentionKernel::stageRows(Value shared, Value source, std::array<int64_t, 4> pos,
                                     int64_t width, Value tile) {
  scf::ForOp::create(
      b, loc, thread, index(plan.keys * width), index(FlashAttentionPlan::kThreads), ValueRange{},
      [&](OpBuilder &, Location, Value e, ValueRange) {
        Value j = arith::DivUIOp::create(b, loc, e, index(width));
        Value d = arith::RemUIOp::create(b, loc, e, index(width));
        Value key = add(tile, j);
        Value v = loadF32(less(key, kvEnd), source,
                          AttentionGeometry::at(pos, {batchId, kvHead, key, d}));
        memref::StoreOp::create(b, loc, v, shared, ValueRange{j, d});
        scf::YieldOp::create(b, loc);
      });
}

/// shared[r, j] = mask[.., rowBase + r, tile + j] in f32 (an i1 as 1 or 0), broadcast dims
/// read at 0.
void FlashAttentionKernel::stageMask(Value shared, Value tile) {
  Value mask = op.getMask();
  scf::ForOp::create(b, loc, thread, index(plan.rows * plan.keys),
                     index(FlashAttentionPlan::kThreads), ValueRange{},
                     [&](OpBuilder &, Location, Value e, ValueRange) {
                       Value r = arith::DivUIOp::create(b, loc, e, index(plan.keys));
                       Value j = arith::RemUIOp::create(b, loc, e, index(plan.keys));
                       Value q = add(rowBase, r), key = add(tile, j);
                       Value v = loadF32(
                           both(less(q, geometry.queries), less(key, kvEnd)), mask,
                           AttentionGeometry::maskIndices(b, loc, mask, {batchId, head, q, key}));
                       memref::StoreOp::create(b, loc, v, shared, ValueRange{r, j});
                       scf::YieldOp::create(b, loc);
                     });
}

/// The score of this thread's row and key `tile + key`: the row's threads' partial dot
/// products summed by a butterfly of shuffles, then tfm.attention's terms; -inf past the
/// visible keys.
Value FlashAttentionKernel::score(Value tile, Value j) {
  Value partial = f32(0.0);
  for (int64_t c = 0; c < plan.queryChunk(); ++c) {
    Value d = add(lane, index(plan.lanes * c));
    if (plan.headDim % plan.lanes)
      d = arith::MinUIOp::create(b, loc, d, index(plan.headDim - 1)); // its query part is 0
    Value k = memref::LoadOp::create(b, loc, sharedK, ValueRange{j, d});
    partial = math::FmaOp::create(b, loc, queryChunk[c], k, partial);
  }
  partial = warpGroupSum(b, loc, partial, plan.lanes);
  Value keyIndex = add(tile, j);
  Value mask;
  if (sharedMask) {
    mask = memref::LoadOp::create(b, loc, sharedMask, ValueRange{row, j});
    if (cast<MemRefType>(op.getMask().getType()).getElementType().isInteger(1))
      mask = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, mask, f32(0.0));
  }
  Value s = applyAttentionScoreTerms(b, loc, terms, partial, mask, query, keyIndex,
                                     terms.causal ? offset : Value());
  return arith::SelectOp::create(b, loc, less(keyIndex, kvEnd), s, negInf());
}

/// One key: the running (max, sum, output row) rescaled only when the key's score raises the
/// maximum (which soon becomes rare along a row), then the key's probability added.
SmallVector<Value> FlashAttentionKernel::keyStep(Value tile, Value key, ValueRange state) {
  Value s = score(tile, key);
  Value raises = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, s, state[0]);
  auto rescale = scf::IfOp::create(b, loc, state.getTypes(), raises, true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(rescale.thenBlock());
    // exp(-inf) = 0: a row's first visible key drops nothing.
    Value correction = math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, state[0], s));
    SmallVector<Value> scaled = {s};
    for (Value v : state.drop_front())
      scaled.push_back(arith::MulFOp::create(b, loc, v, correction));
    scf::YieldOp::create(b, loc, scaled);
    b.setInsertionPointToStart(rescale.elseBlock());
    scf::YieldOp::create(b, loc, state);
  }
  ValueRange current = rescale.getResults();
  // A row with no visible key so far (max -inf) adds nothing.
  Value none = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, current[0], negInf());
  Value p = arith::SelectOp::create(
      b, loc, none, f32(0.0),
      math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, s, current[0])));
  SmallVector<Value> next = {current[0], arith::AddFOp::create(b, loc, current[1], p)};
  for (int64_t c = 0; c < plan.valueChunk(); ++c) {
    Value e = add(lane, index(plan.lanes * c));
    if (plan.valueDim % plan.lanes)
      e = arith::MinUIOp::create(b, loc, e, index(plan.valueDim - 1)); // never written
    Value v = memref::LoadOp::create(b, loc, sharedV, ValueRange{key, e});
    next.push_back(math::FmaOp::create(b, loc, p, v, current[2 + c]));
  }
  return next;
}

/// One key tile: stage it, then fold its keys one by one into the running state.
SmallVector<Value> FlashAttentionKernel::tileStep(Value tile, ValueRange state) {
  stageRows(sharedK, op.getKey(), geometry.kPos, plan.headDim, tile);
  stageRows(sharedV, op.getValue(), geometry.vPos, plan.valueDim, tile);
  if (sharedMask)
    stageMask(sharedMask, tile);
  gpu::BarrierOp::create(b, loc);
  auto keys = scf::ForOp::create(b, loc, index(0), index(plan.keys), index(1), state,
                                 [&](OpBuilder &, Location, Value key, ValueRange inner) {
                                   scf::YieldOp::create(b, loc, keyStep(tile, key, inner));
                                 });
  // The next tile overwrites the staged one only after every thread has read it.
  gpu::BarrierOp::create(b, loc);
  return keys.getResults();
}

/// out[batch, head, query, e] = acc / sum (0 for a row with no visible key), in the output's
/// type, by the threads of valid rows.
void FlashAttentionKernel::writeOutput(ValueRange state) {
  auto write = scf::IfOp::create(b, loc, rowValid, false);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(write.thenBlock()->getTerminator());
  Value out = op.getInit();
  Type element = cast<MemRefType>(out.getType()).getElementType();
  Value none = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, state[1], f32(0.0));
  for (int64_t c = 0; c < plan.valueChunk(); ++c) {
    Value e = add(lane, index(plan.lanes * c));
    OpBuilder::InsertionGuard inner(b);
    if (plan.valueDim % plan.lanes) {
      auto inRange = scf::IfOp::create(b, loc, less(e, index(plan.valueDim)), false);
      b.setInsertionPoint(inRange.thenBlock()->getTerminator());
    }
    Value r = arith::SelectOp::create(b, loc, none, f32(0.0),
                                      arith::DivFOp::create(b, loc, state[2 + c], state[1]));
    if (!element.isF32())
      r = arith::TruncFOp::create(b, loc, element, r);
    memref::StoreOp::create(b, loc, r, out,
                            AttentionGeometry::at(geometry.oPos, {batchId, head, query, e}));
  }
}

void FlashAttentionKernel::build() {
  geometry = AttentionGeometry::of(b, loc, op);
  Value one = index(1);
  Value gridX = arith::MaxUIOp::create(
      b, loc, arith::CeilDivUIOp::create(b, loc, geometry.queries, index(plan.rows)), one);
  Value gridZ = arith::MaxUIOp::create(b, loc, geometry.batch, one);
  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto shared = [&](int64_t rows, int64_t cols) {
    return MemRefType::get({rows, cols}, b.getF32Type(), MemRefLayoutAttrInterface(), workgroup);
  };
  SmallVector<Type> buffers = {shared(plan.keys, plan.headDim), shared(plan.keys, plan.valueDim)};
  if (plan.mask)
    buffers.push_back(shared(plan.rows, plan.maskStride()));
  auto launch = gpu::LaunchOp::create(b, loc, gridX, index(geometry.heads), gridZ,
                                      index(FlashAttentionPlan::kThreads), one, one,
                                      /*dynamicSharedMemorySize=*/nullptr,
                                      /*asyncTokenType=*/nullptr, ValueRange{}, buffers);
  describeLaunch(launch, loc,
                 "flash attention, " + std::to_string(plan.rows) + " query rows x " +
                     std::to_string(plan.keys) + " keys a tile, " +
                     fmaPrecision(cast<MemRefType>(op.getQuery().getType()).getElementType(),
                                  b.getF32Type()));
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  sharedK = launch.getWorkgroupAttributions()[0];
  sharedV = launch.getWorkgroupAttributions()[1];
  if (plan.mask)
    sharedMask = launch.getWorkgroupAttributions()[2];
  thread = launch.getThreadIds().x;
  batchId = launch.getBlockIds().z;
  head = launch.getBlockIds().y;
  rowBase = mul(launch.getBlockIds().x, index(plan.rows));
  rowState();
  std::tie(kvBegin, kvEnd) =
      geometry.keyRange(b, loc, terms, rowBase, plan.rows, offset, active);

  SmallVector<Value> init = {negInf(), f32(0.0)};
  init.append(plan.valueChunk(), f32(0.0));
  auto tiles = scf::ForOp::create(b, loc, kvBegin, kvEnd, index(plan.keys), init,
                                  [&](OpBuilder &, Location, Value tile, ValueRange state) {
                                    scf::YieldOp::create(b, loc, tileStep(tile, state));
                                  });
  writeOutput(tiles.getResults());
  op.erase();
}

struct CUDAAttentionKernelsPass : kiln::impl::CUDAAttentionKernelsBase<CUDAAttentionKernelsPass> {
  void runOnOperation() override {
    SmallVector<kiln::AttentionOp> ops;
    getOperation().walk([&](kiln::AttentionOp op) { ops.push_back(op); });
    for (kiln::AttentionOp op : ops) {
      auto q = cast<ShapedType>(op.getQuery().getType());
      auto v = cast<ShapedType>(op.getValue().getType());
      if (!isa<MemRefType>(q)) {
        op.emitError("kiln.attention must be bufferized before its kernel is built");
        return signalPassFailure();
      }
      std::optional<FlashAttentionPlan> plan = planFlashAttention(
          q.getDimSize(tfm::layoutPositions(op.getQueryLayout())[3]),
          v.getDimSize(tfm::layoutPositions(op.getValueLayout())[3]), bool(op.getMask()));
      std::optional<AttentionScoreTerms> terms =
          AttentionScoreTerms::of(op, plan ? plan->headDim : 0);
      if (!plan || !terms) {
        op.emitError("no attention kernel for these head dims (kiln-cuda-claim-tfm-ops "
                     "claims only attention it can build)");
        return signalPassFailure();
      }
      FlashAttentionKernel(op, *plan, *terms).build();
    }
  }
};

} // namespace
