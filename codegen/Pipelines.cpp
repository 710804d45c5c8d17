//===- Pipelines.cpp - Kiln's compilation pipelines -----------------------===//

#include "codegen/Pipelines.h"

#include "passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void kiln::buildONNXGraphPipeline(OpPassManager &pm) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(kiln::createONNXShapeInference());
  func.addPass(createCanonicalizerPass());
  func.addPass(createCSEPass());
  func.addPass(kiln::createONNXShapeInference());
  func.addPass(createCanonicalizerPass());
}

void kiln::registerPipelines() {
  PassPipelineRegistration<>("kiln-onnx-graph",
                             "Shape inference, folding and clean-up of imported onnx IR",
                             buildONNXGraphPipeline);
}
