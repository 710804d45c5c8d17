//===- Targets.cpp - the code generation targets Kiln has -----------------===//

#include "codegen/Targets.h"

#include "codegen/CPU/CPUTarget.h"
#include "codegen/CUDA/CUDATarget.h"
#include "codegen/Common/CommonPasses.h"
#include "codegen/Common/Driver.h"

#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace kiln;

namespace {

struct StageOptions : PassPipelineOptions<StageOptions> {
  Option<bool> fusion{*this, "fusion", llvm::cl::desc("raise subgraphs into tfm"),
                      llvm::cl::init(true)};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("contraction operands: fp32, tf32 (CUDA tensor cores for f32 ones), fp16 "
                     "or bf16 (kiln-reduce-precision)"),
      llvm::cl::init("fp32")};
  Option<std::string> target{*this, "target", llvm::cl::desc("cpu or cuda"),
                             llvm::cl::init("cpu")};
  Option<std::string> cpu{*this, "cpu", llvm::cl::desc("LLVM CPU name (CPU target)"),
                          llvm::cl::init("host")};
};

void registerStage(Stage stage, llvm::StringRef description) {
  registerPassPipeline(
      stagePipelineName(stage), description,
      [stage](OpPassManager &pm, llvm::StringRef text,
              function_ref<LogicalResult(const llvm::Twine &)> errorHandler) {
        StageOptions options;
        if (failed(options.parseFromString(text)))
          return failure();
        TargetOptions targetOptions;
        targetOptions.cpu = options.cpu;
        targetOptions.tf32 = options.precision == "tf32";
        std::unique_ptr<Target> target = createTarget(options.target, targetOptions);
        if (!target)
          return errorHandler("unknown target '" + options.target + "' (expected " +
                              targetNames() + ")");
        if (stage == Stage::LLVM)
          if (std::optional<std::string> missing = target->missingLowering())
            return errorHandler(*missing);
        buildStage(pm, stage, *target, options.fusion, options.precision);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> handler) { handler(StageOptions()); });
}

} // namespace

std::unique_ptr<Target> kiln::createTarget(llvm::StringRef name, const TargetOptions &options) {
  if (name == "cpu")
    return createCPUTarget(options);
  if (name == "cuda")
    return createCUDATarget(options);
  return nullptr;
}

llvm::StringRef kiln::targetNames() { return "cpu or cuda"; }

void kiln::registerCodegenPipelines() {
  registerStage(Stage::ONNX, "kiln-compile --emit=onnx: shape inference, folding, clean-up "
                             "of imported onnx IR");
  registerStage(Stage::TFM, "kiln-compile --emit=tfm: fusion into tfm (fusion=false: only the "
                            "op forms every target needs)");
  registerStage(Stage::Linalg, "kiln-compile --emit=linalg: the target's claim, then onnx and "
                               "tfm to linalg on tensors, and @main_shapes");
  registerStage(Stage::LLVM, "kiln-compile --emit=llvm: the target's lowering to the LLVM "
                             "dialect");
  registerKilnCommonPasses();
  registerCPUTargetPasses();
  registerCUDATargetPasses();
}
