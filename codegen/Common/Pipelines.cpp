//===- Pipelines.cpp - the target-neutral stages of a compilation ---------===//

#include "codegen/Common/Pipelines.h"

#include "codegen/Common/CommonPasses.h"
#include "codegen/Common/Target.h"
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
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
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

void kiln::buildTFMStage(OpPassManager &pm, bool fusion, llvm::StringRef precision) {
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
  // tf32 changes no type: the CUDA target's GEMM kernels read it (TargetOptions::tf32).
  if (precision == "fp16" || precision == "bf16")
    func.addPass(kiln::createReducePrecision(ReducePrecisionOptions{precision.str()}));
  func.addPass(createCanonicalizerPass());
}

void kiln::buildConvertToLinalgPipeline(OpPassManager &pm) {
  pm.addPass(kiln::createConvertONNXToLinalg());
  pm.addPass(kiln::createConvertTFMToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(kiln::createScalarizeShapeTensors());
  pm.addPass(createCanonicalizerPass());
}

void kiln::buildLinalgStage(OpPassManager &pm, const Target &target) {
  target.buildClaimPipeline(pm);
  buildConvertToLinalgPipeline(pm);
  pm.addPass(kiln::createBuildShapesFunction());
}

void kiln::buildBufferizeEntryPipeline(OpPassManager &pm) {
  pm.addPass(kiln::createEntryInterface());
  pm.addNestedPass<func::FuncOp>(kiln::createDecomposeAggregatedOps());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(kiln::createFuseElementwise());
  pm.addPass(createCanonicalizerPass());
  bufferization::OneShotBufferizePassOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  // The runtime passes dense row-major buffers; identity layouts at the boundary say so.
  bufferization.functionBoundaryTypeConversion = bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  pm.addNestedPass<func::FuncOp>(kiln::createReshapeToReinterpretCast());
  // Outputs are the caller's buffers: results become out-parameters written by a copy.
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  // kiln-results-in-place is not run yet: the CUDA contraction fusion seeds from a fill of an
  // allocation, and a result written in the caller's buffer would lose its fused fill.
  // A run must not leak: every intermediate buffer gets freed after its last use.
  bufferization::buildBufferDeallocationPipeline(pm);
}

void kiln::buildPlainControlFlowPipeline(OpPassManager &pm) {
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // bf16 conversions as integer arithmetic: without AVX512-BF16, LLVM would call libgcc's
  // __truncsfbf2, which older toolchains lack (the link of the model's code then fails); the
  // NVPTX backend has no bf16 conversions before sm_90 either.
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
}

void kiln::buildHostToLLVMPipeline(OpPassManager &pm, bool runtimeAllocator) {
  buildPlainControlFlowPipeline(pm);
  // Vectors come from the CUDA target's kernel twins (mma fragments); the CPU's loops are
  // scalar.
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = runtimeAllocator;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  // Intrinsics first (fma, floor, exp... become instructions or vectorisable calls), libm for
  // what has no intrinsic (erf, tanh, atan...).
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void kiln::registerPipelineDialects(DialectRegistry &registry) {
  registry.insert<kiln::KilnDialect>();
  kiln::registerKilnBufferizationModels(registry);
  registerAllDialects(registry);
  registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR (NVVM) inside the pipeline.
  registerAllToLLVMIRTranslations(registry);
}
