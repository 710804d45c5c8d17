//===- CPUTarget.h - the CPU target -----------------------------*- C++ -*-===//
//
// Linalg on tensors to native code for this machine's kind of CPU: elementwise fusion,
// bufferization into the caller's buffers, contractions handed to the runtime's GEMM,
// parallel loops on the runtime's threads, polynomial math, LLVM; then a shared object inside
// the artifact (CPUArtifact.h).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_CPUTARGET_H
#define KILN_CODEGEN_CPU_CPUTARGET_H

#include "codegen/Common/Target.h"

#include <memory>

namespace kiln {

std::unique_ptr<Target> createCPUTarget(const TargetOptions &options);

/// The CPU lowering of an artifact: linalg on tensors (@main, @main_shapes) to the LLVM
/// dialect, with the runtime's allocator, GEMM and threads.
void buildCPUArtifactLoweringPipeline(mlir::OpPassManager &pm);

/// The reference CPU path from onnx to the LLVM dialect with malloc'd buffers and sequential
/// loops, for programs mlir-runner executes (test/Integration): kiln-cpu-lower-to-llvm.
void buildCPUReferenceLoweringPipeline(mlir::OpPassManager &pm);

/// Registers the CPU passes and kiln-cpu-lower-to-llvm for kiln-opt.
void registerCPUTargetPasses();

} // namespace kiln

#endif // KILN_CODEGEN_CPU_CPUTARGET_H
