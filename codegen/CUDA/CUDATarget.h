//===- CUDATarget.h - the CUDA target ---------------------------*- C++ -*-===//
//
// NVIDIA GPUs (docs/design/targets.md): kernels from linalg/tfm through gpu/nvgpu, NVVM, PTX
// and cubins (one per --gpu-arch), host code that launches them through the runtime's CUDA
// backend. So far only the boundary exists: the target takes the common stages through
// linalg, and its lowering reports that it is not written yet.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_CUDATARGET_H
#define KILN_CODEGEN_CUDA_CUDATARGET_H

#include "codegen/Common/Target.h"

#include <memory>

namespace kiln {

std::unique_ptr<Target> createCUDATarget(const TargetOptions &options);

} // namespace kiln

#endif // KILN_CODEGEN_CUDA_CUDATARGET_H
