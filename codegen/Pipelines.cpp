//===- Pipelines.cpp - Kiln's compilation pipelines -----------------------===//

#include "codegen/Pipelines.h"

#include "passes/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
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

void kiln::buildONNXToLinalgPipeline(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(kiln::createRaiseONNXAttention());
  pm.addPass(kiln::createConvertONNXToLinalg());
  pm.addPass(kiln::createConvertTFMToLinalg());
  pm.addPass(createCanonicalizerPass());
}

void kiln::buildLinalgToLLVMPipeline(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(kiln::createDecomposeAggregatedOps());
  pm.addPass(createCanonicalizerPass());
  bufferization::OneShotBufferizePassOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void kiln::buildCPULoweringPipeline(OpPassManager &pm) {
  buildONNXToLinalgPipeline(pm);
  buildLinalgToLLVMPipeline(pm);
}

void kiln::registerPipelineDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
}

void kiln::registerPipelines() {
  PassPipelineRegistration<>("kiln-cpu-lower-to-llvm",
                             "onnx -> linalg -> bufferized loops -> LLVM dialect (reference "
                             "CPU path, no tiling or vectorisation yet)",
                             buildCPULoweringPipeline);
  PassPipelineRegistration<>("kiln-onnx-graph",
                             "Shape inference, folding and clean-up of imported onnx IR",
                             buildONNXGraphPipeline);
}
