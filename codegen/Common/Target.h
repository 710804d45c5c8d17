//===- Target.h - what a code generation target provides --------*- C++ -*-===//
//
// A target owns everything after linalg on tensors (docs/design/targets.md): it may claim tfm
// ops before the common lowering turns them into linalg, it lowers the program to the LLVM
// dialect (host code, and device binaries for a GPU), and it writes the artifact. kiln-compile
// --target selects one (codegen/Targets.h); the driver runs the stages in order.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_COMMON_TARGET_H
#define KILN_CODEGEN_COMMON_TARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct ArtifactDescription;

/// The options of every target; each reads those that concern it.
struct TargetOptions {
  /// CPU target: the LLVM CPU name; "host" is this machine's CPU and features.
  std::string cpu = "host";
  /// CUDA target: the GPU architectures to build a cubin for (one each, chosen at load time).
  std::vector<std::string> gpuArchs = {"sm_80", "sm_90"};
  /// CUDA target: the toolkit that has ptxas and libdevice ($KILN_CUDA_PATH, else the one
  /// found when Kiln was configured).
  std::string cudaToolkit;
  /// CUDA target: print each kernel's origin, launch shape and ptxas resource use.
  bool kernelReport = false;
  /// CUDA target: f32 contractions on the TF32 tensor cores (kiln-compile --precision=tf32).
  bool tf32 = false;
  /// Constants of at least this many bytes go to the artifact's weights section.
  uint64_t minExternalConstantBytes = 256;
};

class Target {
public:
  virtual ~Target() = default;

  /// The name kiln-compile --target and the stage pipelines' `target=` option use.
  virtual llvm::StringRef name() const = 0;

  /// Passes that take over the tfm ops this target implements itself, before the common
  /// lowering to linalg (the CPU claims none).
  virtual void buildClaimPipeline(mlir::OpPassManager &pm) const {}

  /// What this target cannot compile yet past the linalg stage, as a message naming it; none
  /// when its lowering and artifact are complete.
  virtual std::optional<std::string> missingLowering() const { return std::nullopt; }

  /// Linalg on tensors (with @main and @main_shapes) to the LLVM dialect.
  virtual void buildLoweringPipeline(mlir::OpPassManager &pm) const = 0;

  /// Writes the artifact for `module` (after the lowering pipeline) whose entry is described
  /// by `description` (signature and model name filled in). Writes nothing on failure.
  virtual llvm::Error writeArtifact(mlir::ModuleOp module, ArtifactDescription &description,
                                    llvm::StringRef path, mlir::TimingScope &timing) const = 0;
};

} // namespace kiln

#endif // KILN_CODEGEN_COMMON_TARGET_H
