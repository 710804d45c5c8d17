//===- Driver.cpp - the stage order of a compilation ----------------------===//

#include "codegen/Common/Driver.h"

#include "artifact/ArtifactWriter.h"
#include "codegen/Common/EntrySignature.h"
#include "codegen/Common/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Config/llvm-config.h"

using namespace mlir;
using namespace kiln;

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The signature the artifact records, read from @main after the linalg stage.
llvm::Error describe(ModuleOp module, ArtifactDescription &description) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return makeError("the module has no @main");
  if (failed(describeEntry(main, description)))
    return makeError("the model's signature cannot be compiled");
  return llvm::Error::success();
}

/// runStages, also filling `description` when the stages pass the linalg stage.
llvm::Error run(ModuleOp module, const Target &target, const CompileOptions &options,
                Stage first, Stage last, TimingScope &timing, ArtifactDescription &description) {
  for (int s = (int)first; s <= (int)last; ++s) {
    Stage stage = (Stage)s;
    if (stage == Stage::LLVM) {
      if (std::optional<std::string> missing = target.missingLowering())
        return makeError(*missing);
      if (llvm::Error e = describe(module, description))
        return e;
    }
    PassManager pm(module.getContext());
    if (options.configure && failed(options.configure(pm)))
      return makeError("invalid pass manager options");
    TimingScope t = timing.nest(stageName(stage));
    pm.enableTiming(t);
    buildStage(pm, stage, target, options.fusion, options.precision);
    if (failed(pm.run(module)))
      return makeError("the " + stageName(stage) + " stage failed");
  }
  return llvm::Error::success();
}

} // namespace

namespace {

/// Each stage's --emit name and pipeline name, in Stage order.
constexpr struct {
  const char *name, *pipeline;
} kStageNames[] = {{"onnx", "kiln-stage-onnx"},
                   {"tfm", "kiln-stage-tfm"},
                   {"linalg", "kiln-stage-linalg"},
                   {"llvm", "kiln-stage-llvm"}};

} // namespace

llvm::StringRef kiln::stageName(Stage stage) { return kStageNames[(int)stage].name; }

llvm::StringRef kiln::stagePipelineName(Stage stage) { return kStageNames[(int)stage].pipeline; }

void kiln::buildStage(OpPassManager &pm, Stage stage, const Target &target, bool fusion,
                      llvm::StringRef precision) {
  switch (stage) {
  case Stage::ONNX:
    return buildONNXStage(pm);
  case Stage::TFM:
    return buildTFMStage(pm, fusion, precision);
  case Stage::Linalg:
    return buildLinalgStage(pm, target);
  case Stage::LLVM:
    return target.buildLoweringPipeline(pm);
  }
}

llvm::Error kiln::runStages(ModuleOp module, const Target &target, const CompileOptions &options,
                            Stage first, Stage last, TimingScope &timing) {
  ArtifactDescription description;
  return run(module, target, options, first, last, timing, description);
}

llvm::Error kiln::compileArtifact(ModuleOp module, const Target &target,
                                  const CompileOptions &options, Stage first,
                                  llvm::StringRef path, TimingScope &timing) {
  ArtifactDescription description;
  description.modelName = options.modelName;
  description.producer = "kiln 0.1.0 (LLVM " LLVM_VERSION_STRING ")";
  if (llvm::Error e = run(module, target, options, first, Stage::LLVM, timing, description))
    return e;
  return target.writeArtifact(module, description, path, timing);
}
