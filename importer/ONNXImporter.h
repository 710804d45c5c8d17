//===- ONNXImporter.h - ONNX model -> onnx dialect --------------*- C++ -*-===//
//
// The library entry point every Kiln tool imports models with.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_IMPORTER_ONNXIMPORTER_H
#define KILN_IMPORTER_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace kiln {

/// Limits applied to untrusted model files. Each is a command-line option of the tools.
struct ImportOptions {
  /// Largest model file (protobuf) accepted, in bytes. Protobuf itself stops at 2 GiB.
  uint64_t maxModelBytes = (uint64_t(1) << 31) - 1;
  /// Deepest protobuf message nesting accepted (graphs nest through attributes).
  int maxProtobufDepth = 64;
  /// Largest tensor (initializer, Constant, graph input) accepted, in bytes.
  uint64_t maxTensorBytes = uint64_t(1) << 36;
  /// Initializers up to this many bytes become `dense<...>` literals that folders can read;
  /// larger ones become `dense_resource` blobs that alias the file contents.
  uint64_t maxInlineConstantBytes = 1024;
};

/// Imports the ONNX model at `path` into a new module holding `func.func @main`, whose
/// arguments and results keep the graph's input and output names (`onnx.name`) and symbolic
/// dims (`onnx.dim_params`). Every problem is reported as an error diagnostic on `context`
/// naming the file, node (name, op type, domain, opset) or tensor at fault; returns null then.
mlir::OwningOpRef<mlir::ModuleOp> importONNXModel(llvm::StringRef path, mlir::MLIRContext &context,
                                                  const ImportOptions &options = {});

/// Imports a model held in memory; external data is resolved relative to `modelDir`, and
/// `name` stands for the file in diagnostics. The bytes are parsed (copied) before returning.
mlir::OwningOpRef<mlir::ModuleOp> importONNXModelFromBuffer(llvm::ArrayRef<char> bytes,
                                                            llvm::StringRef name,
                                                            llvm::StringRef modelDir,
                                                            mlir::MLIRContext &context,
                                                            const ImportOptions &options = {});

/// Registers the dialects the importer produces.
void registerImporterDialects(mlir::DialectRegistry &registry);

} // namespace kiln

#endif // KILN_IMPORTER_ONNXIMPORTER_H
