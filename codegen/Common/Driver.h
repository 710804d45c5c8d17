//===- Driver.h - the stage order of a compilation --------------*- C++ -*-===//
//
// kiln-compile's stages, in the one order every target shares (docs/design/targets.md):
// onnx -> tfm -> linalg (common, with the target's claim before the lowering) -> llvm (the
// target's lowering) -> the artifact (the target's writer). Tools only choose the target, the
// last stage and the options.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_COMMON_DRIVER_H
#define KILN_CODEGEN_COMMON_DRIVER_H

#include "codegen/Common/Target.h"

#include <functional>
#include <optional>

namespace kiln {

enum class Stage { ONNX, TFM, Linalg, LLVM };

/// The stage's name for --emit.
llvm::StringRef stageName(Stage stage);

/// The name of the stage's registered pipeline, `kiln-stage-<name>` (static storage).
llvm::StringRef stagePipelineName(Stage stage);

struct CompileOptions {
  /// Raise subgraphs into tfm (false: --no-fusion).
  bool fusion = true;
  /// Contraction operand precision, fp32, fp16 or bf16 (--precision; kiln-reduce-precision).
  std::string precision = "fp32";
  /// The model's name recorded in the artifact.
  std::string modelName;
  /// Applied to every stage's pass manager (a tool's --mlir-print-ir-* options).
  std::function<mlir::LogicalResult(mlir::PassManager &)> configure;
};

/// Adds the passes of `stage` for `target` to `pm`.
void buildStage(mlir::OpPassManager &pm, Stage stage, const Target &target, bool fusion,
                llvm::StringRef precision = "fp32");

/// Runs stages `first` to `last` (inclusive) on `module`, which holds the IR of the stage
/// before `first` (the imported model for Stage::ONNX). Diagnostics go to the context's
/// handler; the error summarises which stage failed.
llvm::Error runStages(mlir::ModuleOp module, const Target &target, const CompileOptions &options,
                      Stage first, Stage last, mlir::TimingScope &timing);

/// Runs the stages from `first` on and writes the artifact to `path` (nothing on failure).
llvm::Error compileArtifact(mlir::ModuleOp module, const Target &target,
                            const CompileOptions &options, Stage first, llvm::StringRef path,
                            mlir::TimingScope &timing);

} // namespace kiln

#endif // KILN_CODEGEN_COMMON_DRIVER_H
