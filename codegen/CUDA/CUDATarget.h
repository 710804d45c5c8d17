//===- CUDATarget.h - the CUDA target ---------------------------*- C++ -*-===//
//
// NVIDIA GPUs (docs/design/targets.md): kernels from linalg through gpu, NVVM, PTX and cubins
// (one per --gpu-arch, chosen at load time), host code that launches them through the
// runtime's CUDA backend.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_CUDATARGET_H
#define KILN_CODEGEN_CUDA_CUDATARGET_H

#include "codegen/Common/Target.h"

#include <memory>
#include <optional>

namespace kiln {

/// The toolkit files the CUDA target uses, relative to the toolkit's directory.
inline constexpr llvm::StringLiteral kLibdevicePath = "nvvm/libdevice/libdevice.10.bc";
inline constexpr llvm::StringLiteral kPtxasPath = "bin/ptxas";

std::unique_ptr<Target> createCUDATarget(const TargetOptions &options);

/// Linalg on tensors (with @main and @main_shapes) to host LLVM dialect plus one
/// `gpu.binary @kiln_kernels` with the PTX of every kernel for each of `options.gpuArchs`.
void buildCUDALoweringPipeline(mlir::OpPassManager &pm, const TargetOptions &options);

/// The compute capability of `sm_NN` (80 for sm_80); none for anything else.
std::optional<unsigned> parseGPUArch(llvm::StringRef arch);

void registerCUDATargetPasses();

} // namespace kiln

#endif // KILN_CODEGEN_CUDA_CUDATARGET_H
