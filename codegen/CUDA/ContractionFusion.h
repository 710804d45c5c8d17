//===- ContractionFusion.h - what a contraction kernel can absorb -*- C++ -*-===//
//
// On buffers a MatMul with a bias and an activation is three ops: a linalg.fill of a fresh
// output buffer, the contraction accumulating into it, and an elementwise linalg.generic
// reading it (or a copy into the graph's output). The contraction kernel
// (kiln-cuda-tile-contractions) absorbs the first as the accumulators' starting value and the last
// as its epilogue, so the product never goes through memory. This header says when that is exact.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_CONTRACTIONFUSION_H
#define KILN_CODEGEN_CUDA_CONTRACTIONFUSION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace kiln {

struct ContractionFusion {
  /// The value every output element starts from, where a linalg.fill of the output buffer is
  /// the only thing that touches it before the contraction; null otherwise (the kernel then
  /// starts from the output's contents).
  mlir::Value seed;
  mlir::linalg::FillOp fill;
  /// An all-parallel linalg op (a generic, a copy) that is the only reader of the output after the
  /// contraction, reads it through `epilogueRead` with a permutation map, writes a buffer
  /// that does not alias the contraction's operands, and follows it with no memory writes in
  /// between: the kernel applies its body to each result and stores into its output instead.
  mlir::linalg::LinalgOp epilogue;
  mlir::OpOperand *epilogueRead = nullptr;
};

/// What the kernel of `contraction` (on buffers, in a block of @main) can absorb.
ContractionFusion findContractionFusion(mlir::linalg::LinalgOp contraction);

} // namespace kiln

#endif // KILN_CODEGEN_CUDA_CONTRACTIONFUSION_H
