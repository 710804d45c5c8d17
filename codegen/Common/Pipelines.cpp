//===- Pipelines.cpp - the target-neutral stages of a compilation ---------===//

#include "codegen/Common/Pipelines.h"

#include "codegen/Common/Target.h"
#include "passes/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void kiln::buildONNXStage(OpPassManager &pm) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(kiln::createONNXShapeInference());
  func.addPass(kiln::createExpandContribOps());
  func.addPass(kiln::createONNXShapeInference());
  func.addPass(createCanonicalizerPass());
  func.addPass(createCSEPass());
  func.addPass(kiln::createONNXShapeInference());
  func.addPass(createCanonicalizerPass());
}

void kiln::buildTFMStage(OpPassManager &pm, bool fusion) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  if (fusion) {
    func.addPass(kiln::createRaiseRotaryEmbedding());
    func.addPass(kiln::createRaiseONNXAttention());
    func.addPass(kiln::createExpandONNXAttention());
    func.addPass(kiln::createRaiseAttention());
    func.addPass(kiln::createRaiseNormalization());
    func.addPass(kiln::createRaiseGelu());
    func.addPass(kiln::createRaiseMatmulEpilogue());
  } else {
    func.addPass(kiln::createRaiseONNXAttention(RaiseONNXAttentionOptions{/*restateOnly=*/true}));
    func.addPass(kiln::createExpandONNXAttention());
    func.addPass(
        kiln::createRaiseRotaryEmbedding(kiln::RaiseRotaryEmbeddingOptions{/*opsOnly=*/true}));
  }
  func.addPass(createCanonicalizerPass());
}

void kiln::buildConvertToLinalgPipeline(OpPassManager &pm) {
  pm.addPass(kiln::createConvertONNXToLinalg());
  pm.addPass(kiln::createConvertTFMToLinalg());
  pm.addPass(createCanonicalizerPass());
}

void kiln::buildLinalgStage(OpPassManager &pm, const Target &target) {
  target.buildClaimPipeline(pm);
  buildConvertToLinalgPipeline(pm);
  pm.addPass(kiln::createBuildShapesFunction());
}

void kiln::registerPipelineDialects(DialectRegistry &registry) {
  registry.insert<kiln::KilnDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
}
