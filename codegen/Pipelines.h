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

/// Registers the pipelines as `kiln-onnx-graph` for kiln-opt's --pass-pipeline.
void registerPipelines();

} // namespace kiln

#endif // KILN_CODEGEN_PIPELINES_H
