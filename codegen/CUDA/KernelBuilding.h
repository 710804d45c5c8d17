//===- KernelBuilding.h - pieces the CUDA kernel builders share -*- C++ -*-===//
//
// Index arithmetic and warp collectives that several of the CUDA target's kernel builders
// (the norm and attention kernels) emit the same way.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_KERNELBUILDING_H
#define KILN_CODEGEN_CUDA_KERNELBUILDING_H

#include "mlir/IR/Builders.h"

namespace kiln {

/// `linear` as row-major indices over `sizes` (the last fastest; the first is not reduced).
llvm::SmallVector<mlir::Value> delinearizeIndex(mlir::OpBuilder &b, mlir::Location loc,
                                                mlir::Value linear,
                                                llvm::ArrayRef<mlir::Value> sizes);

/// The f32 sum of `value` over each aligned group of `lanes` threads of a warp (a power of two
/// up to 32), in every thread of the group: a butterfly of `gpu.shuffle xor` with offsets
/// lanes/2 ... 1. The shuffles name the whole warp (width 32), so every lane of the warp must
/// execute them.
mlir::Value warpGroupSum(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value, int64_t lanes);

/// The same butterfly with the maximum (NaN if any lane's value is NaN).
mlir::Value warpGroupMax(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value, int64_t lanes);

/// Records what kind of kernel `launch` is (its tiling, the precision it computes at) for
/// `--kernel-report`, in its location: outlining keeps the location, not attributes.
void describeLaunch(mlir::Operation *launch, mlir::Location loc, llvm::StringRef description);

/// "f32 FMA", or "f32 FMA, f16 operands" where the operands have another type than the
/// arithmetic.
std::string fmaPrecision(mlir::Type operand, mlir::Type arithmetic);

} // namespace kiln

#endif // KILN_CODEGEN_CUDA_KERNELBUILDING_H
