//===- Pipelines.h - Kiln's compilation pipelines ---------------*- C++ -*-===//
//
// The pass pipelines kiln-compile runs, by stage. Tools only choose among these.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_PIPELINES_H
#define KILN_CODEGEN_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace kiln {

/// Graph-level clean-up of imported `onnx` IR: shape inference, then canonicalisation (which
/// runs the folders that collapse shape computations) and CSE, then shape inference again to
/// propagate what folding made static.
void buildONNXGraphPipeline(mlir::OpPassManager &pm);

/// Raises attention, normalisation and GELU subgraphs (and the ops that spell them) into the
/// tfm dialect; anchors left alone carry `kiln.fusion_miss` (docs/fusion.md).
void buildFusionPipeline(mlir::OpPassManager &pm);

/// onnx -> linalg/tensor/arith/math on tensors (kiln-convert-onnx-to-linalg + clean-up).
void buildONNXToLinalgPipeline(mlir::OpPassManager &pm);

/// linalg on tensors -> LLVM dialect: decompose aggregates, one-shot bufferization, loops.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm);

/// linalg on tensors -> LLVM dialect for a CPU artifact: bufferization with identity layouts at
/// the function boundary, results turned into caller-owned out-parameters, deallocation,
/// contractions handed to the runtime's GEMM, loops, LLVM.
void buildCPUArtifactLoweringPipeline(mlir::OpPassManager &pm);

/// The reference CPU path from onnx to the LLVM dialect: lowering to linalg on tensors,
/// one-shot bufferization, loops, LLVM. Correctness first; tiling, vectorisation and
/// multithreading come with the artifact (docs/design/runtime-and-artifact.md).
void buildCPULoweringPipeline(mlir::OpPassManager &pm);

/// Registers every dialect and interface implementation the pipelines need (bufferization
/// and LLVM-conversion interfaces of upstream dialects are external models).
void registerPipelineDialects(mlir::DialectRegistry &registry);

/// Registers the pipelines (`kiln-onnx-graph`, `kiln-cpu-lower-to-llvm`) for kiln-opt.
void registerPipelines();

} // namespace kiln

#endif // KILN_CODEGEN_PIPELINES_H
