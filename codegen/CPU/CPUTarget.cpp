//===- CPUTarget.cpp - the CPU target -------------------------------------===//

#include "codegen/CPU/CPUTarget.h"

#include "codegen/CPU/CPUArtifact.h"
#include "codegen/CPU/CPUPasses.h"
#include "codegen/Common/CommonPasses.h"
#include "codegen/Common/Pipelines.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace kiln;

namespace {

/// Linalg on buffers (and the rest of the bufferized program) to the LLVM dialect.
/// `runtimeServices`: buffers come from the runtime (_mlir_memref_to_llvm_alloc/free, which
/// the artifact's stub forwards), not from malloc, and parallel loops run on the runtime's
/// threads; otherwise loops are sequential.
void buildBuffersToLLVMPipeline(OpPassManager &pm, bool runtimeServices) {
  if (runtimeServices) {
    pm.addPass(createConvertLinalgToParallelLoopsPass());
    pm.addPass(kiln::createOutlineParallelLoops());
    pm.addNestedPass<func::FuncOp>(kiln::createApproximateMath());
    pm.addPass(createCanonicalizerPass());
  } else {
    pm.addPass(createConvertLinalgToLoopsPass());
  }
  buildHostToLLVMPipeline(pm, runtimeServices);
  if (runtimeServices)
    pm.addPass(kiln::createMaterializeParallelLaunches());
}

class CPUTarget final : public Target {
public:
  explicit CPUTarget(const TargetOptions &options) : options(options) {}

  llvm::StringRef name() const override { return "cpu"; }

  void buildLoweringPipeline(OpPassManager &pm) const override {
    buildCPUArtifactLoweringPipeline(pm);
  }

  llvm::Error writeArtifact(ModuleOp module, ArtifactDescription &description,
                            llvm::StringRef path, TimingScope &timing) const override {
    return writeCPUArtifact(module, options, description, path, timing);
  }

private:
  TargetOptions options;
};

} // namespace

std::unique_ptr<Target> kiln::createCPUTarget(const TargetOptions &options) {
  return std::make_unique<CPUTarget>(options);
}

void kiln::buildCPUArtifactLoweringPipeline(OpPassManager &pm) {
  pm.addPass(kiln::createLowerHostRuntimeErrors());
  buildBufferizeEntryPipeline(pm);
  pm.addPass(kiln::createContractionToRuntimeGemm());
  pm.addPass(createCanonicalizerPass());
  buildBuffersToLLVMPipeline(pm, /*runtimeServices=*/true);
}

void kiln::buildCPUReferenceLoweringPipeline(OpPassManager &pm) {
  buildTFMStage(pm, /*fusion=*/false);
  buildConvertToLinalgPipeline(pm);
  pm.addPass(kiln::createLowerHostRuntimeErrors());
  pm.addNestedPass<func::FuncOp>(kiln::createDecomposeAggregatedOps());
  pm.addPass(createCanonicalizerPass());
  bufferization::OneShotBufferizePassOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  buildBuffersToLLVMPipeline(pm, /*runtimeServices=*/false);
}

void kiln::registerCPUTargetPasses() {
  registerKilnCPUPasses();
  PassPipelineRegistration<>("kiln-cpu-lower-to-llvm",
                             "onnx -> linalg -> bufferized loops -> LLVM dialect (reference "
                             "CPU path for mlir-runner: malloc'd buffers, sequential loops)",
                             buildCPUReferenceLoweringPipeline);
}
