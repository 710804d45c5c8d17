//===- EntrySignature.cpp - the tensor signature of @main -----------------===//

#include "codegen/Common/EntrySignature.h"

using namespace mlir;
using namespace kiln;

uint32_t kiln::onnxElementType(Type t) {
  if (t.isF32()) return 1;
  if (t.isUnsignedInteger(8)) return 2;
  if (t.isSignlessInteger(8) || t.isSignedInteger(8)) return 3;
  if (t.isUnsignedInteger(16)) return 4;
  if (t.isSignlessInteger(16) || t.isSignedInteger(16)) return 5;
  if (t.isSignlessInteger(32) || t.isSignedInteger(32)) return 6;
  if (t.isSignlessInteger(64) || t.isSignedInteger(64)) return 7;
  if (t.isSignlessInteger(1)) return 9;
  if (t.isF16()) return 10;
  if (t.isF64()) return 11;
  if (t.isUnsignedInteger(32)) return 12;
  if (t.isUnsignedInteger(64)) return 13;
  if (t.isBF16()) return 16;
  return 0;
}

LogicalResult kiln::describeEntry(func::FuncOp main, ArtifactDescription &out) {
  auto describe = [&](Type type, DictionaryAttr attrs, bool isInput, unsigned index,
                      TensorSignature &t) -> LogicalResult {
    auto nameAttr = attrs ? attrs.getAs<StringAttr>("onnx.name") : nullptr;
    t.name = nameAttr ? nameAttr.str() : (isInput ? "input" : "output") + std::to_string(index);
    auto ranked = dyn_cast<RankedTensorType>(type);
    if (!ranked)
      return main.emitError() << (isInput ? "input" : "output") << " '" << t.name
                              << "' has no known rank (" << type << ")";
    t.elementType = onnxElementType(ranked.getElementType());
    if (!t.elementType)
      return main.emitError() << (isInput ? "input" : "output") << " '" << t.name
                              << "' has element type " << ranked.getElementType()
                              << ", which the runtime does not support";
    auto params = attrs ? attrs.getAs<ArrayAttr>("onnx.dim_params") : nullptr;
    for (int64_t d = 0; d < ranked.getRank(); ++d) {
      bool dynamic = ranked.isDynamicDim(d);
      t.dims.push_back(dynamic ? -1 : ranked.getDimSize(d));
      std::string param;
      if (dynamic && isInput) {
        auto p = params && d < int64_t(params.size()) ? dyn_cast<StringAttr>(params[d]) : nullptr;
        param = p && !p.getValue().empty() ? p.str() : t.name + "[" + std::to_string(d) + "]";
      } else if (dynamic) {
        param = "?";
      }
      t.dimParams.push_back(param);
    }
    t.hostValue = attrs && attrs.get("kiln.host_value");
    return success();
  };
  for (unsigned i = 0; i < main.getNumArguments(); ++i) {
    out.inputs.emplace_back();
    if (failed(describe(main.getArgumentTypes()[i], main.getArgAttrDict(i), true, i,
                        out.inputs.back())))
      return failure();
  }
  for (unsigned i = 0; i < main.getNumResults(); ++i) {
    out.outputs.emplace_back();
    if (failed(describe(main.getResultTypes()[i], main.getResultAttrDict(i), false, i,
                        out.outputs.back())))
      return failure();
  }
  return success();
}

unsigned kiln::countDynamicDims(ArrayRef<TensorSignature> tensors) {
  unsigned n = 0;
  for (const TensorSignature &t : tensors)
    n += llvm::count(t.dims, -1);
  return n;
}
