//===- MapRowReductions.cpp - kiln-cuda-map-row-reductions ----------------===//
//
// The first kernel kind past the one-thread-per-output fallback (docs/design/targets.md):
// row reductions, one block per output element, 64 threads folding strided shares of the row
// and a tree in workgroup memory.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"

#include "codegen/CUDA/LoopMapping.h"

#include "mlir/IR/IRMapping.h"

namespace kiln {
#define GEN_PASS_DEF_CUDAMAPROWREDUCTIONS
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr int64_t kThreads = 64, kTreeSteps = 6; // 2^6 = 64

/// What a row reduction loop nest is: the loop over the row, the store of the result and the
/// load of the running value it combines with, and the combiner.
struct RowReduction {
  scf::ForOp row;
  memref::StoreOp store;
  memref::LoadOp running;
  Operation *combiner;
  Value element; // the combiner's other operand
};

bool definedOutside(Value v, Operation *op) {
  return !op->isAncestor(v.getParentRegion()->getParentOp());
}

bool isCombiner(Operation *op) {
  return isa<arith::AddFOp, arith::MulFOp, arith::MaxNumFOp, arith::MinNumFOp,
             arith::MaximumFOp, arith::MinimumFOp, arith::AddIOp, arith::MulIOp,
             arith::MaxSIOp, arith::MinSIOp, arith::MaxUIOp, arith::MinUIOp, arith::AndIOp,
             arith::OrIOp, arith::XOrIOp>(op) &&
         op->getNumOperands() == 2 && arith::getNeutralElement(op).has_value();
}

/// The row reduction `loop` is, if it is one (see the pass description).
std::optional<RowReduction> matchRowReduction(scf::ParallelOp loop) {
  Block *body = loop.getBody();
  if (loop.getNumResults() || body->getOperations().size() != 2)
    return std::nullopt;
  auto row = dyn_cast<scf::ForOp>(body->front());
  if (!row || row.getNumResults() || !definedOutside(row.getLowerBound(), loop) ||
      !definedOutside(row.getStep(), loop))
    return std::nullopt;
  RowReduction r{row, nullptr, nullptr, nullptr, nullptr};
  int64_t rowReads = 0;
  for (Operation &op : row.getBody()->without_terminator()) {
    if (op.getNumRegions() || isa<memref::AllocOp, memref::AllocaOp>(op))
      return std::nullopt;
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      if (r.store)
        return std::nullopt;
      r.store = store;
    } else if (auto load = dyn_cast<memref::LoadOp>(op)) {
      bool alongRow = llvm::any_of(load.getIndices(), [&](Value i) {
        return !definedOutside(i, row);
      });
      rowReads += alongRow;
    } else if (isa<memref::AtomicRMWOp, memref::GenericAtomicRMWOp>(op)) {
      return std::nullopt;
    }
  }
  if (!r.store || rowReads != 1 ||
      llvm::any_of(r.store.getIndices(), [&](Value i) { return !definedOutside(i, row); }))
    return std::nullopt;
  r.combiner = r.store.getValue().getDefiningOp();
  if (!r.combiner || !isCombiner(r.combiner) || r.combiner->getParentOp() != row)
    return std::nullopt;
  for (int i = 0; i < 2; ++i) {
    auto load = r.combiner->getOperand(i).getDefiningOp<memref::LoadOp>();
    if (load && load.getMemRef() == r.store.getMemRef() &&
        load.getIndices() == r.store.getIndices() && load->hasOneUse()) {
      r.running = load;
      r.element = r.combiner->getOperand(1 - i);
    }
  }
  if (!r.running || !r.combiner->hasOneUse())
    return std::nullopt;
  return r;
}

Operation *combine(OpBuilder &b, Operation *combiner, Value lhs, Value rhs) {
  IRMapping mapping;
  mapping.map(combiner->getOperand(0), lhs);
  mapping.map(combiner->getOperand(1), rhs);
  return b.clone(*combiner, mapping);
}

void mapRowReduction(scf::ParallelOp loop, RowReduction r) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Type type = r.element.getType();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  kiln::LinearizedLoop space = kiln::linearize(b, loc, loop);
  Value rows = space.total;
  // One block per output: zero outputs launch one idle block (a zero grid is an error).
  Value blocks = arith::MaxSIOp::create(b, loc, rows, one);
  Value threads = arith::ConstantIndexOp::create(b, loc, kThreads);
  auto sharedType = MemRefType::get({kThreads}, type, MemRefLayoutAttrInterface(),
                                    gpu::AddressSpaceAttr::get(b.getContext(),
                                                               gpu::AddressSpace::Workgroup));
  auto launch = gpu::LaunchOp::create(b, loc, blocks, one, one, threads, one, one,
                                      /*dynamicSharedMemorySize=*/nullptr,
                                      /*asyncTokenType=*/nullptr, ValueRange{},
                                      TypeRange{sharedType});
  Value shared = launch.getWorkgroupAttributions()[0];
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value block = launch.getBlockIds().x, thread = launch.getThreadIds().x;
  Value active = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, block, rows);

  // The output element this block computes.
  IRMapping mapping;
  kiln::delinearize(b, loc, loop, space, block, mapping);

  // Each thread folds elements thread, thread + 64, ... of the row (none in an idle block).
  Value neutral = arith::ConstantOp::create(b, loc, *arith::getNeutralElement(r.combiner));
  Value stride = arith::MulIOp::create(b, loc, r.row.getStep(), threads);
  Value first = arith::AddIOp::create(b, loc, r.row.getLowerBound(),
                                      arith::MulIOp::create(b, loc, thread, r.row.getStep()));
  Value end = arith::SelectOp::create(b, loc, active,
                                      mapping.lookupOrDefault(r.row.getUpperBound()), first);
  auto fold = scf::ForOp::create(b, loc, first, end, stride, ValueRange{neutral});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(fold.getBody());
    mapping.map(r.row.getInductionVar(), fold.getInductionVar());
    for (Operation &op : r.row.getBody()->without_terminator())
      if (&op != r.running && &op != r.combiner && &op != r.store)
        b.clone(op, mapping);
    Operation *next = combine(b, r.combiner, fold.getRegionIterArgs()[0],
                              mapping.lookup(r.element));
    scf::YieldOp::create(b, loc, next->getResult(0));
  }

  // The tree: after step j, shared[t] for t < 64 >> (j + 1) combines 2^(j+1) values.
  memref::StoreOp::create(b, loc, fold.getResult(0), shared, thread);
  gpu::BarrierOp::create(b, loc);
  Value steps = arith::ConstantIndexOp::create(b, loc, kTreeSteps);
  auto tree = scf::ForOp::create(b, loc, zero, steps, one);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(tree.getBody());
    Value half = arith::ShRUIOp::create(
        b, loc, threads, arith::AddIOp::create(b, loc, tree.getInductionVar(), one));
    Value lower = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, thread, half);
    auto step = scf::IfOp::create(b, loc, lower, /*withElseRegion=*/false);
    b.setInsertionPoint(step.thenBlock()->getTerminator());
    Value mine = memref::LoadOp::create(b, loc, shared, thread);
    Value theirs = memref::LoadOp::create(
        b, loc, shared, ValueRange{arith::AddIOp::create(b, loc, thread, half)});
    memref::StoreOp::create(b, loc, combine(b, r.combiner, mine, theirs)->getResult(0), shared,
                            thread);
    b.setInsertionPointAfter(step);
    gpu::BarrierOp::create(b, loc);
  }

  // Thread 0 of an active block combines the row into the output's running value.
  Value leader = arith::AndIOp::create(
      b, loc, active, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, thread, zero));
  auto write = scf::IfOp::create(b, loc, leader, /*withElseRegion=*/false);
  b.setInsertionPoint(write.thenBlock()->getTerminator());
  SmallVector<Value> indices;
  for (Value i : r.store.getIndices())
    indices.push_back(mapping.lookupOrDefault(i));
  Value out = mapping.lookupOrDefault(r.store.getMemRef());
  Value running = memref::LoadOp::create(b, loc, out, indices);
  Value total = memref::LoadOp::create(b, loc, shared, zero);
  memref::StoreOp::create(b, loc, combine(b, r.combiner, running, total)->getResult(0), out,
                          indices);
  loop.erase();
}

struct CUDAMapRowReductionsPass
    : kiln::impl::CUDAMapRowReductionsBase<CUDAMapRowReductionsPass> {
  void runOnOperation() override {
    auto main = getOperation().lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal())
      return;
    SmallVector<std::pair<scf::ParallelOp, RowReduction>> found;
    main.walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
      if (std::optional<RowReduction> r = matchRowReduction(loop))
        found.push_back({loop, *r});
      return WalkResult::skip();
    });
    for (auto &[loop, r] : found)
      mapRowReduction(loop, r);
  }
};

} // namespace
