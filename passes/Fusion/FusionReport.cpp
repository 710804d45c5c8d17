//===- FusionReport.cpp - What the raising passes formed and missed -------===//

#include "passes/Fusion/FusionReport.h"

#include "passes/Fusion/FusionUtils.h"

#include "dialects/ONNX/NodeLocation.h"
#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/TFM/TFMDialect.h"

#include "llvm/ADT/MapVector.h"

#include <map>

using namespace mlir;

namespace {

std::string nodeName(Operation *op) {
  return kiln::onnx::findNodeName(op->getLoc()).value_or("<unnamed>");
}

} // namespace

unsigned kiln::printFusionReport(ModuleOp module, llvm::raw_ostream &os) {
  llvm::MapVector<StringRef, unsigned> formed;
  for (StringRef name : {"tfm.attention", "tfm.layer_norm", "tfm.rms_norm", "tfm.gelu",
                         "tfm.rotary_embedding", "tfm.matmul"})
    formed[name] = 0;
  SmallVector<Operation *> missed;
  // tfm.matmul's epilogues: how many carry a bias, and each activation.
  llvm::MapVector<StringRef, unsigned> epilogues;
  // Contractions by operand element type (kiln-reduce-precision changes f32 ones).
  std::map<std::string, unsigned> operandTypes;
  module.walk([&](Operation *op) {
    if (isa<tfm::TFMDialect>(op->getDialect()))
      ++formed[op->getName().getStringRef()];
    if (isa<tfm::MatmulOp, tfm::AttentionOp, onnx::MatMulOp, onnx::GemmOp>(op)) {
      std::string name;
      llvm::raw_string_ostream(name)
          << cast<ShapedType>(op->getOperand(0).getType()).getElementType();
      ++operandTypes[name];
    }
    if (auto mm = dyn_cast<tfm::MatmulOp>(op)) {
      if (mm.getBias())
        ++epilogues["bias"];
      if (mm.getActivation() != tfm::Activation::none)
        ++epilogues[tfm::stringifyActivation(mm.getActivation())];
    }
    if (isa<onnx::SoftmaxOp, onnx::ErfOp, onnx::TanhOp, onnx::ReduceMeanOp,
            onnx::RotaryEmbeddingOp, onnx::MSRotaryEmbeddingOp, onnx::AttentionOp,
            onnx::MSAttentionOp, onnx::MSMultiHeadAttentionOp,
            onnx::MSGroupQueryAttentionOp>(op) &&
        !fusion::isSoftCap(op))
      missed.push_back(op);
  });
  os << "fusion report\n  formed:\n";
  for (auto [name, count] : formed) {
    os << "    " << name << ": " << count;
    if (name == "tfm.matmul" && !epilogues.empty()) {
      os << " (";
      llvm::interleaveComma(epilogues, os, [&](auto e) { os << e.first << " " << e.second; });
      os << ")";
    }
    os << "\n";
  }
  os << "  contraction operands:";
  if (operandTypes.empty())
    os << " none";
  for (auto [type, count] : operandTypes)
    os << " " << type << " " << count;
  os << "\n";
  os << "  unfused anchors: " << missed.size() << "\n";
  for (Operation *op : missed) {
    auto reason = op->getAttrOfType<StringAttr>(fusion::kFusionMissAttr);
    os << "    " << op->getName().getStringRef() << " '" << nodeName(op)
       << "': " << (reason ? reason.getValue() : StringRef("no pattern applies")) << "\n";
  }
  return missed.size();
}
