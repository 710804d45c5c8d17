//===- CPUArtifact.cpp - write a CPU artifact ------------------------------===//
//
// docs/design/runtime-and-artifact.md, section 4: the model's code is host code only
// (codegen/Common/HostCode.h); large constants go to the weights section.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPU/CPUArtifact.h"

#include "codegen/Common/HostCode.h"

using namespace mlir;
using namespace kiln;

llvm::Error kiln::writeCPUArtifact(ModuleOp module, const TargetOptions &options,
                                   ArtifactDescription &description, llvm::StringRef outputPath,
                                   TimingScope &timing) {
  {
    TimingScope t = timing.nest("weights");
    externalizeConstants(module, options.minExternalConstantBytes, /*everyConstant=*/false,
                         description);
  }
  if (llvm::Error e = emitHostCode(module, options, StubExtras(), HostOptimization::Full,
                                   description, timing))
    return e;
  TimingScope t = timing.nest("write artifact");
  return writeArtifact(outputPath, description);
}
