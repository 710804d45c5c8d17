//===- NodeLocation.h - which ONNX node an op came from ---------*- C++ -*-===//
//
// The importer gives every op the location of its ONNX node: the node's name, with its op
// type, domain and opset as metadata,
//
//   loc("attn/MatMul_3"(fused<{domain = "ai.onnx", op = "MatMul", opset = 17 : i64}>["m.onnx":0:0]))
//
// so any later stage -- fusion, lowering, code generation -- can say which node a failing op
// came from, in the importer's words: `onnx node 'attn/MatMul_3' (MatMul, domain ai.onnx,
// opset 17)`. Rewrites keep locations (an op that replaces several takes the anchor's), so the
// node survives into linalg and LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_ONNX_NODELOCATION_H
#define KILN_DIALECTS_ONNX_NODELOCATION_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"

#include <optional>
#include <string>

namespace kiln::onnx {

struct NodeInfo {
  std::string name;   // the node's name ("#<index>" when it has none)
  std::string opType; // "MatMul"
  std::string domain; // "ai.onnx", "com.microsoft"
  int64_t opset = 0;  // the model's opset import of that domain
};

/// The location of an op imported from `node`, within the file location `file`.
mlir::Location makeNodeLoc(mlir::MLIRContext *context, const NodeInfo &node,
                           mlir::Location file);

/// The first ONNX node found in `loc` (through name, fused and call-site locations).
std::optional<NodeInfo> findNode(mlir::Location loc);

/// The node's name in `loc`, as a NameLoc (a graph input or initializer) or a node, if any.
std::optional<std::string> findNodeName(mlir::Location loc);

/// `onnx node 'NAME' (OP, domain D, opset N)`: how every diagnostic names a node.
std::string describeNode(const NodeInfo &node);

/// Prints diagnostics as SourceMgrDiagnosticHandler does, but a diagnostic whose location is
/// (or holds) an ONNX node's is prefixed with describeNode, so a failure in any stage names the
/// node: `m.onnx:0:0: error: onnx node 'attn' (Softmax, domain ai.onnx, opset 17): ...`.
class NodeDiagnosticHandler : public mlir::SourceMgrDiagnosticHandler {
public:
  NodeDiagnosticHandler(llvm::SourceMgr &sourceMgr, mlir::MLIRContext *context);

private:
  void emitWithNode(mlir::Diagnostic &diag);
};

} // namespace kiln::onnx

#endif // KILN_DIALECTS_ONNX_NODELOCATION_H
