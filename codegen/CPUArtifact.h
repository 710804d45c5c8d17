//===- CPUArtifact.h - Compile an onnx module into a CPU artifact ----------===//
//
// The CPU back end of kiln-compile: lowering to the LLVM dialect, constants moved into the
// artifact's weights section, native code through LLVM's TargetMachine, a shared object
// linked by the system compiler driver, and the artifact file.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPUARTIFACT_H
#define KILN_CODEGEN_CPUARTIFACT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/Error.h"

#include <string>

namespace kiln {

struct CPUArtifactOptions {
  /// LLVM CPU name; "host" is this machine's CPU and features.
  std::string cpu = "host";
  /// The model's name recorded in the artifact.
  std::string modelName;
  /// Constants of at least this many bytes go to the weights section; smaller ones stay in the
  /// code.
  uint64_t minExternalConstantBytes = 256;
};

/// Compiles `module` (the onnx dialect after the graph pipeline) and writes the artifact to
/// `outputPath`. Diagnostics go to the context's handler; the returned error summarises.
llvm::Error compileCPUArtifact(mlir::ModuleOp module, const CPUArtifactOptions &options,
                               llvm::StringRef outputPath, mlir::TimingScope &timing);

/// Lowers `module` (the onnx dialect after the graph pipeline) as compileCPUArtifact does, up
/// to the LLVM dialect, for --emit=llvm.
llvm::Error lowerForCPUArtifact(mlir::ModuleOp module, mlir::TimingScope &timing);

} // namespace kiln

#endif // KILN_CODEGEN_CPUARTIFACT_H
