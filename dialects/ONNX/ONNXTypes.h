//===- ONNXTypes.h - ONNX element types in MLIR -----------------*- C++ -*-===//

#ifndef KILN_DIALECTS_ONNX_ONNXTYPES_H
#define KILN_DIALECTS_ONNX_ONNXTYPES_H

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Types.h"

#include <string>

namespace kiln::onnx {

/// The MLIR element type of an ONNX TensorProto::DataType number (1 = FLOAT, 7 = INT64, ...),
/// or null for types Kiln does not support (strings, complex, 4/8-bit floats and ints).
mlir::Type convertElementType(mlir::MLIRContext *context, int dataType);

/// The ONNX name of a TensorProto::DataType number ("FLOAT16", "STRING", "unknown(42)").
std::string elementTypeName(int dataType);

} // namespace kiln::onnx

#endif // KILN_DIALECTS_ONNX_ONNXTYPES_H
