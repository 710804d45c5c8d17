//===- CUDAArtifact.h - write a CUDA artifact -------------------*- C++ -*-===//
//
// The last step of the CUDA target: each architecture's PTX assembled by ptxas into a cubin
// (its resource use read back for --kernel-report), every constant moved into the weights
// section (the runtime copies it to the device), host code as for the CPU, and the artifact
// with its cuda-module sections and kernel, site and cuda_module records.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_CUDAARTIFACT_H
#define KILN_CODEGEN_CUDA_CUDAARTIFACT_H

#include "artifact/ArtifactWriter.h"
#include "codegen/Common/Target.h"

namespace kiln {

/// Writes the artifact for `module` (host LLVM dialect and `gpu.binary @kiln_kernels` after
/// the CUDA lowering pipeline). Writes nothing on failure.
llvm::Error writeCUDAArtifact(mlir::ModuleOp module, const TargetOptions &options,
                              ArtifactDescription &description, llvm::StringRef outputPath,
                              mlir::TimingScope &timing);

} // namespace kiln

#endif // KILN_CODEGEN_CUDA_CUDAARTIFACT_H
