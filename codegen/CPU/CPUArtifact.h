//===- CPUArtifact.h - write a CPU artifact ---------------------*- C++ -*-===//
//
// The last step of the CPU target: constants moved into the artifact's weights section, native
// code through LLVM's TargetMachine, a shared object linked by the system compiler driver
// around a generated C stub (runtime/lib/abi.h), and the artifact file.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_CPUARTIFACT_H
#define KILN_CODEGEN_CPU_CPUARTIFACT_H

#include "artifact/ArtifactWriter.h"
#include "codegen/Common/Target.h"

namespace kiln {

/// Writes the artifact for `module` (the LLVM dialect after the CPU lowering pipeline).
/// Diagnostics go to the context's handler; the returned error summarises. Writes nothing on
/// failure.
llvm::Error writeCPUArtifact(mlir::ModuleOp module, const TargetOptions &options,
                             ArtifactDescription &description, llvm::StringRef outputPath,
                             mlir::TimingScope &timing);

} // namespace kiln

#endif // KILN_CODEGEN_CPU_CPUARTIFACT_H
