//===- EntrySignature.h - the tensor signature of @main ---------*- C++ -*-===//
//
// What the artifact records about the entry point, read from @main on tensors (before a
// target's lowering rewrites it): names, element types, dims and dim names of the inputs and
// outputs. The same for every target.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_COMMON_ENTRYSIGNATURE_H
#define KILN_CODEGEN_COMMON_ENTRYSIGNATURE_H

#include "artifact/ArtifactWriter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace kiln {

/// ONNX TensorProto.DataType of an MLIR element type; 0 when the runtime cannot carry it.
uint32_t onnxElementType(mlir::Type t);

/// Fills `out.inputs` and `out.outputs` from @main; an error at @main when a tensor has no
/// rank or an element type the runtime does not carry.
mlir::LogicalResult describeEntry(mlir::func::FuncOp main, ArtifactDescription &out);

/// How many dims of `tensors` are dynamic.
unsigned countDynamicDims(llvm::ArrayRef<TensorSignature> tensors);

} // namespace kiln

#endif // KILN_CODEGEN_COMMON_ENTRYSIGNATURE_H
