//===- LoopMapping.h - parallel loops onto GPU ids ---------------*- C++ -*-===//
//
// The kernels of kiln-cuda-map-kernels and kiln-cuda-map-row-reductions both number the
// iterations of an scf.parallel linearly (one per thread, one per block) and recover each
// iteration's induction variables from that number.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_LOOPMAPPING_H
#define KILN_CODEGEN_CUDA_LOOPMAPPING_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace kiln {

/// The iteration space of a parallel loop as one range [0, total).
struct LinearizedLoop {
  llvm::SmallVector<mlir::Value> counts; // each dim's trip count (never negative)
  mlir::Value total;                     // their product
};

/// Builds the trip counts and their product at the builder's insertion point.
LinearizedLoop linearize(mlir::OpBuilder &b, mlir::Location loc, mlir::scf::ParallelOp loop);

/// Maps each induction variable of `loop` to its value in iteration `linear` (row-major over
/// the dims, the last fastest).
void delinearize(mlir::OpBuilder &b, mlir::Location loc, mlir::scf::ParallelOp loop,
                 const LinearizedLoop &space, mlir::Value linear, mlir::IRMapping &mapping);

} // namespace kiln

#endif // KILN_CODEGEN_CUDA_LOOPMAPPING_H
