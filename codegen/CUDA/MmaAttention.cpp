//===- MmaAttention.cpp - kiln-cuda-mma-attention -------------------------===//
//
// kiln.attention with f16 or bf16 operands as one FlashAttention-2 kernel on mma.sync m16n8k16
// (docs/design/tensor-cores.md). A block of 4 warps (2 at head dims above 128) per (16 query
// rows a warp, head, batch); warp w owns rows 16w .. 16w + 15, so each row's state lives in the
// 4 lanes of one quad (g = l / 4 holds rows g and g + 8 of the warp's 16). Per key tile of
// `keys` keys:
//   S = Q·Kᵀ      Q (staged once) as A fragments, K (n-major, [key][d]) as B fragments;
//   scores        tfm.attention's terms on each accumulator element, -inf past the visible keys;
//   softmax       the row maximum over the quad by two xor shuffles; P = exp(S - max) and the
//                 running sum in f32; O rescaled when the maximum rises;
//   O += P·V      P rounded to the operand type: the C fragments of keys 16i .. 16i + 15 are,
//                 element by element, the A fragment of that k16 step (MmaFragments.h); V
//                 (k-major, [key][d]) by ldmatrix.trans.
// The running sum stays a per-lane partial sum until the end (the scale of a row is the same in
// its 4 lanes), where the quad adds it up and divides.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"

#include "codegen/CUDA/AttentionGeometry.h"
#include "codegen/CUDA/ContractionKernels.h"
#include "codegen/CUDA/KernelBuilding.h"
#include "codegen/CUDA/MmaFragments.h"

#include <limits>

namespace kiln {
#define GEN_PASS_DEF_CUDAMMAATTENTION
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::mma;

namespace {

constexpr int64_t kPad = 8;          // 16 bytes of 16-bit elements per staged row
constexpr int64_t kMaxHeadDim = 256; // beyond: the output fragments would not fit registers
constexpr int64_t kMaxSharedBytes = 48 * 1024; // static shared memory of a block

/// How one attention is split: head dims rounded up to the k16 / n16 steps (the staging fills
/// the padding with zeros), the warps of a block (16 query rows each) and the keys of a tile.
struct MmaAttentionPlan {
  int64_t headDim, valueDim;
  int64_t paddedDim, paddedValueDim;
  int64_t warps, keys;

  int64_t rows() const { return 16 * warps; }
  int64_t threads() const { return mma::kWarpSize * warps; }
  int64_t scoreFragments() const { return keys / 8; }
  int64_t outputFragments() const { return paddedValueDim / 8; }
  int64_t sharedBytes() const {
    return 2 * ((rows() + keys) * (paddedDim + kPad) + keys * (paddedValueDim + kPad));
  }
};

std::optional<MmaAttentionPlan> planMmaAttention(int64_t headDim, int64_t valueDim) {
  if (headDim < 1 || valueDim < 1 || headDim > kMaxHeadDim || valueDim > kMaxHeadDim)
    return std::nullopt;
  auto round16 = [](int64_t v) { return (v + 15) / 16 * 16; };
  MmaAttentionPlan plan{headDim, valueDim, round16(headDim), round16(valueDim), 4, 64};
  // 32 keys a tile at head dims above 64: Q, K and V stages stay under 36 KB and the score
  // fragments under 16 registers next to the output's 64. Above 128 (head dim 256: 128
  // output registers a lane), 2 warps and 16 keys a tile, so that the stages fit the 48 KB
  // of static shared memory (33.8 KB at 256) and the scores take 8 registers.
  int64_t widest = std::max(plan.paddedDim, plan.paddedValueDim);
  if (widest > 64)
    plan.keys = 32;
  if (widest > 128)
    plan.warps = 2, plan.keys = 16;
  // A plan whose stages would not fit has no kernel here (the FMA kernel takes the op).
  if (plan.sharedBytes() > kMaxSharedBytes)
    return std::nullopt;
  return plan;
}

/// The 16-bit float type of all of the op's operands, when it has one.
Type mmaOperandType(kiln::AttentionOp op) {
  auto elementOf = [](Value v) { return cast<MemRefType>(v.getType()).getElementType(); };
  Type q = elementOf(op.getQuery());
  if (!(q.isF16() || q.isBF16()) || elementOf(op.getKey()) != q || elementOf(op.getValue()) != q)
    return nullptr;
  return q;
}

/// The running state of a warp's rows: maxima and (partial) sums of its rows g and g + 8, and
/// the output fragments.
struct RowState {
  std::array<Value, 2> max, sum;
  SmallVector<Value> out;

  SmallVector<Value> flat() const {
    SmallVector<Value> values = {max[0], max[1], sum[0], sum[1]};
    llvm::append_range(values, out);
    return values;
  }
  static RowState of(ValueRange values) {
    return {{values[0], values[1]}, {values[2], values[3]}, llvm::to_vector(values.drop_front(4))};
  }
};

class MmaAttentionKernel {
public:
  MmaAttentionKernel(kiln::AttentionOp op, const MmaAttentionPlan &plan,
                     const AttentionScoreTerms &terms, Type operand)
      : op(op), plan(plan), terms(terms), operand(operand), b(op), loc(op.getLoc()) {}

  void build();

private:
  Value index(int64_t v) { return indexConstant(b, loc, v); }
  Value f32(double v) { return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v)); }
  Value negInf() { return f32(-std::numeric_limits<double>::infinity()); }
  Value less(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, y);
  }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  /// The query row of half `h` (row g or g + 8) of this lane.
  Value queryOf(int64_t h) {
    return add(b, loc, add(b, loc, warpRow, div(b, loc, lane, 4)), 8 * h);
  }
  /// Column 2t + e of the 8-wide fragment `f`.
  Value columnOf(int64_t f, Value e) {
    return add(b, loc, add(b, loc, mul(b, loc, rem(b, loc, lane, 4), 2), 8 * f), e);
  }

  void stage(Value shared, Value source, std::array<int64_t, 4> pos, int64_t width,
             int64_t realWidth, int64_t rows, Value base, Value seqEnd, Value headIndex);
  SmallVector<Value> scores(Value tile);
  RowState softmaxStep(ArrayRef<Value> s, const RowState &state);
  RowState tileStep(Value tile, const RowState &state);
  void writeOutput(const RowState &state);

  kiln::AttentionOp op;
  MmaAttentionPlan plan;
  AttentionScoreTerms terms;
  Type operand;
  OpBuilder b;
  Location loc;
  AttentionGeometry geometry;
  Value tid, lane, warpBase, warpRow, batchId, head, kvHead, rowBase, active, offset, kvBegin,
      kvEnd;
  Value sharedQ, sharedK, sharedV;
};

/// shared[r, d] = source[batch, headIndex, base + r, d] for r < rows, d < width: 0 from
/// `seqEnd` on and past `realWidth`; consecutive threads copy consecutive d.
void MmaAttentionKernel::stage(Value shared, Value source, std::array<int64_t, 4> pos,
                               int64_t width, int64_t realWidth, int64_t rows, Value base,
                               Value seqEnd, Value headIndex) {
  Value zero = zeroOf(b, loc, operand);
  scf::ForOp::create(b, loc, tid, index(rows * width), index(plan.threads()), ValueRange{},
                     [&](OpBuilder &, Location, Value e, ValueRange) {
                       Value r = div(b, loc, e, width), d = rem(b, loc, e, width);
                       Value seq = add(b, loc, base, r);
                       Value valid = less(seq, seqEnd);
                       if (realWidth < width)
                         valid = both(valid, less(d, index(realWidth)));
                       Value v = guardedLoad(
                           b, loc, valid, source,
                           AttentionGeometry::at(pos, {batchId, headIndex, seq, d}), zero);
                       memref::StoreOp::create(b, loc, v, shared, ValueRange{r, d});
                       scf::YieldOp::create(b, loc);
                     });
}

/// The warp's scores against the tile's keys as accumulator fragments: Q·Kᵀ over the padded
/// head dim in k16 steps, then the score terms per element (-inf past the visible keys).
SmallVector<Value> MmaAttentionKernel::scores(Value tile) {
  auto fragment = VectorType::get({2, 2}, b.getF32Type());
  SmallVector<Value> zeros(plan.scoreFragments(), zeroOf(b, loc, fragment));
  auto steps = scf::ForOp::create(b, loc, index(0), index(plan.paddedDim), index(16), zeros);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(steps.getBody());
    Value d = steps.getInductionVar();
    Value a = loadA(b, loc, sharedQ, warpBase, d, lane);
    SmallVector<Value> next;
    for (int64_t p = 0; p < plan.scoreFragments() / 2; ++p) {
      std::array<Value, 2> keys = loadBNMajor(b, loc, sharedK, index(16 * p), d, lane);
      for (int64_t half = 0; half < 2; ++half)
        next.push_back(multiplyAdd(b, loc, a, keys[half], steps.getRegionIterArgs()[2 * p + half]));
    }
    scf::YieldOp::create(b, loc, next);
  }
  SmallVector<Value> s;
  Value mask = op.getMask();
  for (int64_t j = 0; j < plan.scoreFragments(); ++j) {
    Value acc = steps.getResult(j);
    for (int64_t h = 0; h < 2; ++h)
      for (int64_t e = 0; e < 2; ++e) {
        Value query = queryOf(h);
        Value key = add(b, loc, tile, columnOf(j, index(e)));
        Value visible = less(key, kvEnd);
        Value m;
        if (mask) {
          Type type = cast<MemRefType>(mask.getType()).getElementType();
          m = guardedLoad(b, loc, both(visible, less(query, geometry.queries)), mask,
                          AttentionGeometry::maskIndices(b, loc, mask, {batchId, head, query, key}),
                          zeroOf(b, loc, type));
          if (!type.isInteger(1) && !type.isF32())
            m = arith::ExtFOp::create(b, loc, b.getF32Type(), m);
        }
        Value score = vector::ExtractOp::create(b, loc, acc, ArrayRef<int64_t>{h, e});
        score = applyAttentionScoreTerms(b, loc, terms, score, m, query, key,
                                         terms.causal ? offset : Value());
        score = arith::SelectOp::create(b, loc, visible, score, negInf());
        acc = vector::InsertOp::create(b, loc, score, acc, ArrayRef<int64_t>{h, e});
      }
    s.push_back(acc);
  }
  return s;
}

/// The online softmax of one tile's scores `s` and O += P·V.
RowState MmaAttentionKernel::softmaxStep(ArrayRef<Value> s, const RowState &state) {
  RowState next;
  std::array<Value, 2> shift, correction;
  for (int64_t h = 0; h < 2; ++h) {
    Value top = state.max[h];
    for (Value acc : s)
      for (int64_t e = 0; e < 2; ++e)
        top = arith::MaximumFOp::create(
            b, loc, top, vector::ExtractOp::create(b, loc, acc, ArrayRef<int64_t>{h, e}));
    next.max[h] = warpGroupMax(b, loc, top, 4);
    // A row with no visible key so far (max -inf) shifts by 0: its exps are 0, not NaN.
    Value none = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, next.max[h], negInf());
    shift[h] = arith::SelectOp::create(b, loc, none, f32(0.0), next.max[h]);
    correction[h] =
        math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, state.max[h], shift[h]));
    next.sum[h] = arith::MulFOp::create(b, loc, state.sum[h], correction[h]);
  }
  // P in the operand type, as the A fragments of the tile's k16 steps: row r of step i is
  // row r % 2 of score fragment 2i + r / 2.
  auto aType = VectorType::get({4, 2}, operand);
  SmallVector<Value> pa(plan.keys / 16, zeroOf(b, loc, aType));
  for (int64_t j = 0; j < plan.scoreFragments(); ++j)
    for (int64_t h = 0; h < 2; ++h)
      for (int64_t e = 0; e < 2; ++e) {
        Value score = vector::ExtractOp::create(b, loc, s[j], ArrayRef<int64_t>{h, e});
        Value p = math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, score, shift[h]));
        next.sum[h] = arith::AddFOp::create(b, loc, next.sum[h], p);
        Value rounded = arith::TruncFOp::create(b, loc, operand, p);
        pa[j / 2] = vector::InsertOp::create(b, loc, rounded, pa[j / 2],
                                             ArrayRef<int64_t>{2 * (j % 2) + h, e});
      }
  // O rescaled by its rows' corrections, then O += P·V.
  auto fragment = VectorType::get({2, 2}, b.getF32Type());
  auto row = VectorType::get({2}, b.getF32Type());
  Value scale = vector::BroadcastOp::create(b, loc, fragment, correction[0]);
  scale = vector::InsertOp::create(b, loc, vector::BroadcastOp::create(b, loc, row, correction[1]),
                                   scale, ArrayRef<int64_t>{1});
  for (Value o : state.out)
    next.out.push_back(arith::MulFOp::create(b, loc, o, scale));
  for (int64_t i = 0; i < plan.keys / 16; ++i)
    for (int64_t p = 0; p < plan.outputFragments() / 2; ++p) {
      std::array<Value, 2> values =
          loadBKMajor(b, loc, sharedV, index(16 * i), index(16 * p), lane);
      for (int64_t half = 0; half < 2; ++half)
        next.out[2 * p + half] = multiplyAdd(b, loc, pa[i], values[half], next.out[2 * p + half]);
    }
  return next;
}

/// One key tile: stage K and V, then fold the tile into the rows' state.
RowState MmaAttentionKernel::tileStep(Value tile, const RowState &state) {
  stage(sharedK, op.getKey(), geometry.kPos, plan.paddedDim, plan.headDim, plan.keys, tile, kvEnd,
        kvHead);
  stage(sharedV, op.getValue(), geometry.vPos, plan.paddedValueDim, plan.valueDim, plan.keys, tile,
        kvEnd, kvHead);
  gpu::BarrierOp::create(b, loc);
  RowState next = softmaxStep(scores(tile), state);
  // The next tile overwrites K and V only after every warp has read them.
  gpu::BarrierOp::create(b, loc);
  return next;
}

/// out[batch, head, query, d] = O / sum (0 for a row with no visible key) in the output's
/// type, each fragment's 4 elements in a loop (unrolled by the GPU backend).
void MmaAttentionKernel::writeOutput(const RowState &state) {
  std::array<Value, 2> sum;
  for (int64_t h = 0; h < 2; ++h)
    sum[h] = warpGroupSum(b, loc, state.sum[h], 4);
  Value out = op.getInit();
  Type element = cast<MemRefType>(out.getType()).getElementType();
  for (int64_t f = 0; f < plan.outputFragments(); ++f) {
    auto elements = scf::ForOp::create(b, loc, index(0), index(4), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(elements.getBody());
    Value i = elements.getInductionVar();
    Value upper = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, i, index(2));
    Value query = arith::SelectOp::create(b, loc, upper, queryOf(1), queryOf(0));
    Value d = columnOf(f, rem(b, loc, i, 2));
    Value owns = both(both(active, less(query, geometry.queries)), less(d, index(plan.valueDim)));
    auto write = scf::IfOp::create(b, loc, owns, /*withElseRegion=*/false);
    b.setInsertionPoint(write.thenBlock()->getTerminator());
    Value rowSum = arith::SelectOp::create(b, loc, upper, sum[1], sum[0]);
    Value none = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, rowSum, f32(0.0));
    Value r = arith::SelectOp::create(
        b, loc, none, f32(0.0),
        arith::DivFOp::create(b, loc, fragmentElement(b, loc, state.out[f], i), rowSum));
    if (!element.isF32())
      r = arith::TruncFOp::create(b, loc, element, r);
    memref::StoreOp::create(b, loc, r, out,
                            AttentionGeometry::at(geometry.oPos, {batchId, head, query, d}));
  }
}

void MmaAttentionKernel::build() {
  geometry = AttentionGeometry::of(b, loc, op);
  Value one = index(1);
  Value gridX = arith::MaxUIOp::create(
      b, loc, arith::CeilDivUIOp::create(b, loc, geometry.queries, index(plan.rows())), one);
  Value gridZ = arith::MaxUIOp::create(b, loc, geometry.batch, one);
  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto shared = [&](int64_t rows, int64_t cols) {
    return MemRefType::get({rows, cols + kPad}, operand, MemRefLayoutAttrInterface(), workgroup);
  };
  auto launch = gpu::LaunchOp::create(
      b, loc, gridX, index(geometry.heads), gridZ, index(plan.threads()), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr, ValueRange{},
      TypeRange{shared(plan.rows(), plan.paddedDim), shared(plan.keys, plan.paddedDim),
                shared(plan.keys, plan.paddedValueDim)});
  std::string type = operand.isF16() ? "f16" : "bf16";
  describeLaunch(launch, loc,
                 "flash attention, mma.sync m16n8k16 " + type + " (f32 accumulate), " +
                     std::to_string(plan.rows()) + " query rows x " + std::to_string(plan.keys) +
                     " keys a tile, " + std::to_string(plan.warps) + " warps");
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  sharedQ = launch.getWorkgroupAttributions()[0];
  sharedK = launch.getWorkgroupAttributions()[1];
  sharedV = launch.getWorkgroupAttributions()[2];
  tid = launch.getThreadIds().x;
  lane = rem(b, loc, tid, mma::kWarpSize);
  batchId = launch.getBlockIds().z;
  head = launch.getBlockIds().y;
  rowBase = mul(b, loc, launch.getBlockIds().x, plan.rows());
  warpBase = mul(b, loc, div(b, loc, tid, mma::kWarpSize), 16);
  warpRow = add(b, loc, rowBase, warpBase);
  active = less(batchId, geometry.batch);
  kvHead = geometry.kvHead(b, loc, head);
  offset = arith::SubIOp::create(b, loc, geometry.keys, geometry.queries);
  std::tie(kvBegin, kvEnd) = geometry.keyRange(b, loc, terms, rowBase, plan.rows(), offset, active);

  Value queryEnd = arith::SelectOp::create(b, loc, active, geometry.queries, index(0));
  stage(sharedQ, op.getQuery(), geometry.qPos, plan.paddedDim, plan.headDim, plan.rows(), rowBase,
        queryEnd, head);
  auto fragment = VectorType::get({2, 2}, b.getF32Type());
  RowState initial{{negInf(), negInf()},
                   {f32(0.0), f32(0.0)},
                   SmallVector<Value>(plan.outputFragments(), zeroOf(b, loc, fragment))};
  auto tiles = scf::ForOp::create(b, loc, kvBegin, kvEnd, index(plan.keys), initial.flat(),
                                  [&](OpBuilder &, Location, Value tile, ValueRange values) {
                                    scf::YieldOp::create(
                                        b, loc, tileStep(tile, RowState::of(values)).flat());
                                  });
  writeOutput(RowState::of(tiles.getResults()));
  op.erase();
}

struct CUDAMmaAttentionPass : kiln::impl::CUDAMmaAttentionBase<CUDAMmaAttentionPass> {
  using CUDAMmaAttentionBase::CUDAMmaAttentionBase;

  void runOnOperation() override {
    if (minSM < 80)
      return;
    SmallVector<kiln::AttentionOp> ops;
    getOperation().walk([&](kiln::AttentionOp op) { ops.push_back(op); });
    for (kiln::AttentionOp op : ops) {
      auto q = dyn_cast<MemRefType>(op.getQuery().getType());
      auto v = dyn_cast<MemRefType>(op.getValue().getType());
      Type operand = q && v ? mmaOperandType(op) : nullptr;
      if (!operand)
        continue;
      std::optional<MmaAttentionPlan> plan =
          planMmaAttention(q.getDimSize(tfm::layoutPositions(op.getQueryLayout())[3]),
                           v.getDimSize(tfm::layoutPositions(op.getValueLayout())[3]));
      std::optional<AttentionScoreTerms> terms =
          plan ? AttentionScoreTerms::of(op, plan->headDim) : std::nullopt;
      if (!plan || !terms)
        continue; // kiln-cuda-attention-kernels builds it on FMA
      MmaAttentionKernel(op, *plan, *terms, operand).build();
    }
  }
};

} // namespace
