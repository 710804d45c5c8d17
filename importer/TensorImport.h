//===- TensorImport.h - TensorProto -> ElementsAttr -------------*- C++ -*-===//

#ifndef KILN_IMPORTER_TENSORIMPORT_H
#define KILN_IMPORTER_TENSORIMPORT_H

#include "importer/ONNXImporter.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>

namespace onnx {
class TensorProto;
class TypeProto;
} // namespace onnx

namespace kiln {

/// Converts TensorProtos into attributes. Large tensors become `dense_resource` blobs that
/// alias `owner` (the parsed model, kept alive by the blob) or a memory-mapped external data
/// file; nothing is copied unless the data is misaligned or stored in typed repeated fields.
class TensorImporter {
public:
  TensorImporter(mlir::MLIRContext &context, llvm::StringRef modelDir,
                 std::shared_ptr<const void> owner, const ImportOptions &options)
      : context(context), modelDir(modelDir.str()), owner(std::move(owner)), options(options) {}

  /// The tensor's value; the error says what is wrong with it (without naming the tensor).
  llvm::Expected<mlir::ElementsAttr> import(const ::onnx::TensorProto &tensor);

  /// The MLIR type of a graph input/output/value_info TypeProto.
  llvm::Expected<mlir::TensorType> importType(const ::onnx::TypeProto &type);

private:
  llvm::Expected<llvm::ArrayRef<char>> externalData(const ::onnx::TensorProto &tensor,
                                                    uint64_t expectedBytes,
                                                    std::shared_ptr<const void> &keepAlive);
  mlir::ElementsAttr makeResource(mlir::ShapedType type, llvm::StringRef name,
                                  llvm::ArrayRef<char> bytes, std::shared_ptr<const void> keepAlive);

  mlir::MLIRContext &context;
  std::string modelDir;
  std::shared_ptr<const void> owner;
  const ImportOptions &options;
  llvm::StringMap<std::shared_ptr<llvm::MemoryBuffer>> externalFiles;
};

} // namespace kiln

#endif // KILN_IMPORTER_TENSORIMPORT_H
