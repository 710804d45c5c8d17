//===- OutlineParallelLoops.cpp - scf.parallel nests as runtime parallel_for ===//
//
// Generated code has no threads of its own: the runtime owns a pool per session and offers
// `parallel_for(n, grain, body, closure)` (runtime/lib/abi.h). This pass turns every outermost
// scf.parallel (what linalg's parallel dims lower to) into such a call:
//
//   - all parallel dims but the innermost are linearised into one range [0, n) that the runtime
//     splits into chunks; the innermost dim stays a sequential loop inside each chunk, so it
//     keeps unit-stride accesses the LLVM vectoriser can use;
//   - the loop body moves to `@kiln_parallel_body_<i>(begin, end, captures...)`, constants
//     cloned in rather than passed, so static sizes stay static there;
//   - the loop becomes `call @kiln_parallel_launch_<i>(n, grain, captures...)`, a declaration
//     that kiln-materialize-parallel-launches defines once the program is in the LLVM dialect
//     (packing the captures into a stack struct is only expressible there).
//
// The grain (outer iterations per chunk) is chosen at run time so that a chunk does at least
// kMinChunkWork innermost iterations: small loops run inline on the calling thread.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPU/ParallelLaunch.h"
#include "codegen/CPU/CPUPasses.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace kiln {
#define GEN_PASS_DEF_OUTLINEPARALLELLOOPS
#include "codegen/CPU/CPUPasses.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::parallel;

namespace {

constexpr int64_t kMinChunkWork = 32768;

/// ceil((ub - lb) / step), the trip count of one normalised loop dim (non-negative).
Value tripCount(OpBuilder &b, Location loc, Value lb, Value ub, Value step) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value span = arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, ub, lb), zero);
  return arith::CeilDivSIOp::create(b, loc, span, step);
}

/// Whether `op` can be re-created inside the outlined body instead of passed to it.
bool isRematerializable(Operation *op) {
  return op && op->getNumRegions() == 0 && op->getNumOperands() == 0 &&
         (matchPattern(op, m_Constant()) || isa<memref::GetGlobalOp>(op));
}

/// Product of the trip counts of the loops nested in `loop` whose bounds are computable
/// outside it (the work per iteration, for sizing chunks); other loops count 1.
Value nestedWork(OpBuilder &b, Location loc, scf::ParallelOp loop) {
  Value work = arith::ConstantIndexOp::create(b, loc, 1);
  auto outside = [&](Value v) { return !loop->isAncestor(v.getParentRegion()->getParentOp()); };
  auto multiply = [&](Value lb, Value ub, Value step) {
    if (outside(lb) && outside(ub) && outside(step))
      work = arith::MulIOp::create(b, loc, work, tripCount(b, loc, lb, ub, step));
  };
  loop.getBody()->walk([&](Operation *op) {
    if (auto inner = dyn_cast<scf::ForOp>(op))
      multiply(inner.getLowerBound(), inner.getUpperBound(), inner.getStep());
    else if (auto inner = dyn_cast<scf::ParallelOp>(op))
      for (auto [lb, ub, step] :
           llvm::zip(inner.getLowerBound(), inner.getUpperBound(), inner.getStep()))
        multiply(lb, ub, step);
  });
  return work;
}

class Outliner {
public:
  explicit Outliner(ModuleOp module) : module(module) {}

  void outline(scf::ParallelOp loop) {
    Location loc = loop.getLoc();
    unsigned rank = loop.getNumLoops();
    unsigned numOuter = rank == 1 ? 1 : rank - 1;

    // Everything the body reads from outside, plus the bounds: passed to the body function.
    llvm::SetVector<Value> used;
    getUsedValuesDefinedAbove(loop.getRegion(), used);
    for (Value v : loop->getOperands())
      used.insert(v);
    SmallVector<Value> captures;
    for (Value v : used)
      if (!isRematerializable(v.getDefiningOp()))
        captures.push_back(v);

    std::string suffix = std::to_string(counter++);
    OpBuilder b(module.getContext());
    b.setInsertionPointToEnd(module.getBody());
    Type index = b.getIndexType();
    SmallVector<Type> argTypes = {index, index};
    for (Value v : captures)
      argTypes.push_back(v.getType());
    auto fnType = b.getFunctionType(argTypes, {});
    auto body = func::FuncOp::create(b, loc, (kBodyPrefix + suffix).str(), fnType);
    body.setPrivate();
    auto launch = func::FuncOp::create(b, loc, (kLaunchPrefix + suffix).str(), fnType);
    launch.setPrivate();

    // The body: for l in [begin, end): delinearise l over the outer dims, then the innermost
    // dim as a loop (when there is one), then the original ops.
    Block *entry = body.addEntryBlock();
    b.setInsertionPointToStart(entry);
    IRMapping map;
    for (Value v : used)
      if (isRematerializable(v.getDefiningOp()))
        map.map(v, b.clone(*v.getDefiningOp())->getResult(0));
    for (auto [v, arg] : llvm::zip(captures, entry->getArguments().drop_front(2)))
      map.map(v, arg);
    auto lbs = llvm::map_to_vector(loop.getLowerBound(), [&](Value v) { return map.lookup(v); });
    auto ubs = llvm::map_to_vector(loop.getUpperBound(), [&](Value v) { return map.lookup(v); });
    auto steps = llvm::map_to_vector(loop.getStep(), [&](Value v) { return map.lookup(v); });
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto outer = scf::ForOp::create(b, loc, entry->getArgument(0), entry->getArgument(1), one);
    b.setInsertionPointToStart(outer.getBody());
    Value rest = outer.getInductionVar();
    SmallVector<Value> ivs(rank);
    for (int d = numOuter - 1; d >= 0; --d) {
      Value normalized = rest;
      if (d > 0) {
        Value trip = tripCount(b, loc, lbs[d], ubs[d], steps[d]);
        normalized = arith::RemUIOp::create(b, loc, rest, trip);
        rest = arith::DivUIOp::create(b, loc, rest, trip);
      }
      ivs[d] = arith::AddIOp::create(b, loc, lbs[d],
                                     arith::MulIOp::create(b, loc, normalized, steps[d]));
    }
    if (rank > 1) {
      auto inner = scf::ForOp::create(b, loc, lbs[rank - 1], ubs[rank - 1], steps[rank - 1]);
      b.setInsertionPointToStart(inner.getBody());
      ivs[rank - 1] = inner.getInductionVar();
    }
    for (auto [iv, arg] : llvm::zip(ivs, loop.getInductionVars()))
      map.map(arg, iv);
    for (Operation &op : loop.getBody()->without_terminator())
      b.clone(op, map);
    b.setInsertionPointToEnd(entry);
    func::ReturnOp::create(b, loc);

    // The call site: n outer iterations, grain from the work per iteration.
    b.setInsertionPoint(loop);
    Value n = arith::ConstantIndexOp::create(b, loc, 1);
    for (unsigned d = 0; d < numOuter; ++d)
      n = arith::MulIOp::create(b, loc, n,
                                tripCount(b, loc, loop.getLowerBound()[d],
                                          loop.getUpperBound()[d], loop.getStep()[d]));
    Value work = nestedWork(b, loc, loop);
    if (rank > 1)
      work = arith::MulIOp::create(b, loc, work,
                                   tripCount(b, loc, loop.getLowerBound()[rank - 1],
                                             loop.getUpperBound()[rank - 1],
                                             loop.getStep()[rank - 1]));
    Value oneAtSite = arith::ConstantIndexOp::create(b, loc, 1);
    Value minWork = arith::ConstantIndexOp::create(b, loc, kMinChunkWork);
    Value grain = arith::CeilDivSIOp::create(
        b, loc, minWork, arith::MaxSIOp::create(b, loc, work, oneAtSite));
    SmallVector<Value> args = {n, grain};
    args.append(captures.begin(), captures.end());
    func::CallOp::create(b, loc, launch, args);
    loop.erase();
  }

private:
  ModuleOp module;
  unsigned counter = 0;
};

struct OutlineParallelLoopsPass
    : kiln::impl::OutlineParallelLoopsBase<OutlineParallelLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<scf::ParallelOp> loops;
    for (auto fn : module.getOps<func::FuncOp>())
      fn.walk([&](scf::ParallelOp loop) {
        if (!loop->getParentOfType<scf::ParallelOp>() && loop.getNumResults() == 0)
          loops.push_back(loop);
      });
    Outliner outliner(module);
    for (scf::ParallelOp loop : loops)
      outliner.outline(loop);
  }
};

} // namespace
