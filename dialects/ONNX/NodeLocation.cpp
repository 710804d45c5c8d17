//===- NodeLocation.cpp - which ONNX node an op came from -----------------===//

#include "dialects/ONNX/NodeLocation.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/MLIRContext.h"

using namespace mlir;
using namespace kiln::onnx;

namespace {

/// The node metadata a FusedLoc carries, when it is the importer's.
std::optional<NodeInfo> nodeMetadata(FusedLoc fused) {
  auto dict = dyn_cast_or_null<DictionaryAttr>(fused.getMetadata());
  if (!dict)
    return std::nullopt;
  auto op = dict.getAs<StringAttr>("op");
  auto domain = dict.getAs<StringAttr>("domain");
  auto opset = dict.getAs<IntegerAttr>("opset");
  if (!op || !domain || !opset)
    return std::nullopt;
  return NodeInfo{"", op.str(), domain.str(), opset.getInt()};
}

} // namespace

Location kiln::onnx::makeNodeLoc(MLIRContext *context, const NodeInfo &node, Location file) {
  Builder b(context);
  DictionaryAttr metadata = b.getDictionaryAttr(
      {b.getNamedAttr("op", b.getStringAttr(node.opType)),
       b.getNamedAttr("domain", b.getStringAttr(node.domain)),
       b.getNamedAttr("opset", b.getI64IntegerAttr(node.opset))});
  return NameLoc::get(b.getStringAttr(node.name), FusedLoc::get(context, {file}, metadata));
}

std::optional<NodeInfo> kiln::onnx::findNode(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    if (auto fused = dyn_cast<FusedLoc>(name.getChildLoc()))
      if (std::optional<NodeInfo> info = nodeMetadata(fused)) {
        info->name = name.getName().str();
        return info;
      }
    return findNode(name.getChildLoc());
  }
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    for (Location part : fused.getLocations())
      if (std::optional<NodeInfo> info = findNode(part))
        return info;
    return std::nullopt;
  }
  if (auto call = dyn_cast<CallSiteLoc>(loc)) {
    if (std::optional<NodeInfo> info = findNode(call.getCallee()))
      return info;
    return findNode(call.getCaller());
  }
  return std::nullopt;
}

std::optional<std::string> kiln::onnx::findNodeName(Location loc) {
  if (std::optional<NodeInfo> node = findNode(loc))
    return node->name;
  if (auto fused = dyn_cast<FusedLoc>(loc); fused && !fused.getLocations().empty())
    loc = fused.getLocations().front();
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  return std::nullopt;
}

std::string kiln::onnx::describeNode(const NodeInfo &node) {
  std::string text = "onnx node '" + node.name + "' (" + node.opType + ", domain " + node.domain;
  if (node.opset)
    text += ", opset " + std::to_string(node.opset);
  return text + ")";
}

NodeDiagnosticHandler::NodeDiagnosticHandler(llvm::SourceMgr &sourceMgr, MLIRContext *context)
    : SourceMgrDiagnosticHandler(sourceMgr, context) {
  setHandler([this](Diagnostic &diag) {
    emitWithNode(diag);
    return success();
  });
}

void NodeDiagnosticHandler::emitWithNode(Diagnostic &diag) {
  std::optional<NodeInfo> node = findNode(diag.getLocation());
  std::string message = diag.str();
  if (!node || StringRef(message).starts_with("onnx node ")) {
    emitDiagnostic(diag);
    return;
  }
  Diagnostic named(diag.getLocation(), diag.getSeverity());
  named << describeNode(*node) << ": " << message;
  for (Diagnostic &note : diag.getNotes())
    named.attachNote(note.getLocation()) << note.str();
  emitDiagnostic(named);
}
