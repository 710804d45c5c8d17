//===- LoopMapping.cpp - parallel loops onto GPU ids ----------------------===//

#include "codegen/CUDA/LoopMapping.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

kiln::LinearizedLoop kiln::linearize(OpBuilder &b, Location loc, scf::ParallelOp loop) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  LinearizedLoop space;
  space.total = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [lb, ub, step] : llvm::zip(loop.getLowerBound(), loop.getUpperBound(),
                                       loop.getStep())) {
    Value span = arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, ub, lb), zero);
    space.counts.push_back(arith::CeilDivSIOp::create(b, loc, span, step));
    space.total = arith::MulIOp::create(b, loc, space.total, space.counts.back());
  }
  return space;
}

void kiln::delinearize(OpBuilder &b, Location loc, scf::ParallelOp loop,
                       const LinearizedLoop &space, Value linear, IRMapping &mapping) {
  Value rest = linear;
  for (int64_t d = loop.getNumLoops() - 1; d >= 0; --d) {
    Value index = d ? arith::RemSIOp::create(b, loc, rest, space.counts[d]).getResult() : rest;
    if (d)
      rest = arith::DivSIOp::create(b, loc, rest, space.counts[d]);
    mapping.map(loop.getInductionVars()[d],
                arith::AddIOp::create(b, loc, loop.getLowerBound()[d],
                                      arith::MulIOp::create(b, loc, index, loop.getStep()[d])));
  }
}
