//===- Pipelines.h - the target-neutral stages of a compilation -*- C++ -*-===//
//
// The stages every target shares, in order (docs/design/targets.md): the onnx graph, the tfm
// program, and linalg on tensors. Each is a pass pipeline registered for kiln-opt, so any
// stage of kiln-compile can be replayed from the IR of the one before.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_COMMON_PIPELINES_H
#define KILN_CODEGEN_COMMON_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace kiln {

class Target;

/// Stage `onnx`: graph-level clean-up of imported `onnx` IR: shape inference, restatement of
/// com.microsoft ops that are compositions of standard ones, canonicalisation (which runs the
/// folders that collapse shape computations) and CSE, then shape inference again.
void buildONNXStage(mlir::OpPassManager &pm);

/// Stage `tfm`: with `fusion`, raises attention, normalisation, GELU, rotary and matmul
/// epilogue subgraphs into the tfm dialect (anchors left alone carry `kiln.fusion_miss`,
/// docs/fusion.md). Either way it brings the ops that have no lowering of their own into the
/// forms every target lowers: onnx.Attention raised where it is exactly tfm.attention (fusion
/// only) and expanded into its definition otherwise, the RotaryEmbedding ops as
/// tfm.rotary_embedding.
void buildTFMStage(mlir::OpPassManager &pm, bool fusion, llvm::StringRef precision = "fp32");

/// Stage `linalg`: the target claims the tfm ops it implements itself, then onnx and the rest
/// of tfm become linalg/tensor/arith/math on tensors, and @main_shapes is built.
void buildLinalgStage(mlir::OpPassManager &pm, const Target &target);

/// onnx and tfm -> linalg on tensors alone (kiln-convert-onnx-to-linalg,
/// kiln-convert-tfm-to-linalg, clean-up).
void buildConvertToLinalgPipeline(mlir::OpPassManager &pm);

/// Linalg on tensors to linalg on buffers, the entry's way: @main and @main_shapes with the C
/// interface the runtime calls, aggregated ops decomposed, elementwise chains fused, one-shot
/// bufferization with identity layouts at the boundary (the runtime passes dense buffers),
/// results as caller-provided out-parameters, and a deallocation after each buffer's last use.
void buildBufferizeEntryPipeline(mlir::OpPassManager &pm);

/// scf to cf, strided views to plain address arithmetic, affine to arith, bf16 conversions as
/// integer arithmetic: what both host code and kernels go through before the LLVM dialect.
void buildPlainControlFlowPipeline(mlir::OpPassManager &pm);

/// Host code on buffers (scf, memref, arith, math, func) to the LLVM dialect. With
/// `runtimeAllocator`, buffers come from the runtime (_mlir_memref_to_llvm_alloc/free, which
/// the artifact's stub forwards), not from malloc.
void buildHostToLLVMPipeline(mlir::OpPassManager &pm, bool runtimeAllocator);

/// Registers every dialect and interface implementation the pipelines need (bufferization
/// and LLVM-conversion interfaces of upstream dialects are external models).
void registerPipelineDialects(mlir::DialectRegistry &registry);

} // namespace kiln

#endif // KILN_CODEGEN_COMMON_PIPELINES_H
