//===- ContractionKernels.h - what the contraction kernel builders share -*- C++ -*-===//
//
// Two builders turn a contraction on buffers into one kernel: kiln-cuda-mma-contractions
// (tensor cores, for f16 and bf16 operands) and kiln-cuda-tile-contractions (FMA, for the rest).
// Both read the operands through the op's indexing maps, take the outer (batch) dims from
// blockIdx.z, guard every access at the edges, start from a fused fill and store through a
// fused epilogue (ContractionFusion.h).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_CONTRACTIONKERNELS_H
#define KILN_CODEGEN_CUDA_CONTRACTIONKERNELS_H

#include "codegen/CUDA/ContractionFusion.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

#include <optional>

namespace kiln {

/// A contraction on buffers with one reduction dim: loop dims m and n (the last of each
/// kind), k, and every other (parallel) dim in `outer`.
struct Contraction {
  mlir::linalg::LinalgOp op;
  unsigned m, n, k;
  llvm::SmallVector<unsigned> outer;
};

/// `op` as a Contraction: two inputs, one init, int or float memrefs, projected-permutation
/// maps and exactly one reduction dim.
std::optional<Contraction> matchContraction(mlir::linalg::LinalgOp op);

/// The indices of `operand` for the loop dims' values `loops`.
llvm::SmallVector<mlir::Value> indicesOf(mlir::linalg::LinalgOp op, mlir::OpOperand &operand,
                                         llvm::ArrayRef<mlir::Value> loops);

/// Whether every `index < size` of `checks` holds.
mlir::Value inBounds(mlir::OpBuilder &b, mlir::Location loc,
                     llvm::ArrayRef<std::pair<mlir::Value, mlir::Value>> checks);

/// `memref[indices]` where `ok`, else `fallback`.
mlir::Value guardedLoad(mlir::OpBuilder &b, mlir::Location loc, mlir::Value ok, mlir::Value memref,
                        mlir::ValueRange indices, mlir::Value fallback);

mlir::Value zeroOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type);
mlir::Value indexConstant(mlir::OpBuilder &b, mlir::Location loc, int64_t value);

/// The loop dims' values with the outer dims delinearised from `linear` (blockIdx.z) over
/// `sizes` and every other dim 0, and the checks that the outer ones are in range.
llvm::SmallVector<mlir::Value>
outerLoopValues(mlir::OpBuilder &b, mlir::Location loc, const Contraction &c,
                llvm::ArrayRef<mlir::Value> sizes, mlir::Value linear,
                llvm::SmallVectorImpl<std::pair<mlir::Value, mlir::Value>> &outerChecks);

/// Stores `result`, the contraction's value at the output indices `outIndices`, through the
/// epilogue: its body applied to `result` and its other inputs at the same element.
void storeThroughEpilogue(mlir::OpBuilder &b, mlir::Location loc, mlir::linalg::LinalgOp epilogue,
                          mlir::OpOperand *read, mlir::Value result,
                          llvm::ArrayRef<mlir::Value> outIndices);

/// Stores `result` at the output element `outIndices` of `c`, through the fused epilogue if any.
void storeResult(mlir::OpBuilder &b, mlir::Location loc, const Contraction &c,
                 const ContractionFusion &fusion, mlir::Value result,
                 llvm::ArrayRef<mlir::Value> outIndices);

/// Records `tiling` (plus the fused fill and epilogue) on `launch` for the kernel report.
void describeKernel(mlir::gpu::LaunchOp launch, mlir::Location loc, std::string tiling,
                    const ContractionFusion &fusion);

/// Erases the contraction and what its kernel absorbed.
void eraseContraction(const Contraction &c, const ContractionFusion &fusion);

} // namespace kiln

#endif // KILN_CODEGEN_CUDA_CONTRACTIONKERNELS_H
