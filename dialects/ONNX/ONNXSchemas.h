//===- ONNXSchemas.h - ONNX operator schemas known to Kiln ------*- C++ -*-===//
//
// The operator table the importer maps NodeProtos with: for each supported (domain, op type)
// the versions it was (re)defined at, its inputs, outputs and attributes. Generated from the
// onnx and onnxruntime operator schemas by gen_onnx_ops.py (ONNXSchemas.gen.inc).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_ONNX_ONNXSCHEMAS_H
#define KILN_DIALECTS_ONNX_ONNXSCHEMAS_H

#include "llvm/ADT/StringRef.h"

#include <vector>

namespace kiln::onnx {

enum class ParamKind { Single, Optional, Variadic };
enum class AttrKind { Int, Float, String, Ints, Floats, Strings, Tensor, Unsupported };

struct ParamSchema {
  const char *name;
  ParamKind kind;
};

struct AttrSchema {
  const char *onnxName; ///< Name in the NodeProto.
  const char *mlirName; ///< Name of the op's attribute.
  AttrKind kind;
  bool required;
};

struct OpSchema {
  llvm::StringRef domain; ///< "" for the standard domain, else "com.microsoft".
  llvm::StringRef opType;
  llvm::StringRef opName; ///< Full MLIR op name, e.g. "onnx.Add".
  std::vector<int> versions; ///< Since-versions, ascending.
  std::vector<ParamSchema> inputs, outputs;
  std::vector<AttrSchema> attributes;

  /// The version of the operator in effect in a model importing `opset` of its domain, or 0
  /// when the operator is not yet defined there.
  int versionAt(int opset) const;
  const AttrSchema *findAttribute(llvm::StringRef onnxName) const;
};

/// The schema of `opType` in `domain` ("" and "ai.onnx" are the same), or null.
const OpSchema *lookupOpSchema(llvm::StringRef domain, llvm::StringRef opType);

/// All schemas, in a stable order (for documentation and tests).
const std::vector<OpSchema> &allOpSchemas();

/// The newest standard-domain opset the operator table was generated from.
int maxKnownOpset();

/// The oldest standard-domain opset Kiln imports.
constexpr int kMinSupportedOpset = 13;

} // namespace kiln::onnx

#endif // KILN_DIALECTS_ONNX_ONNXSCHEMAS_H
