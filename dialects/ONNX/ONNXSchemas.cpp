//===- ONNXSchemas.cpp - ONNX operator schemas known to Kiln --------------===//

#include "dialects/ONNX/ONNXSchemas.h"

#include "llvm/ADT/StringMap.h"

using namespace kiln::onnx;

#define KILN_LIST(...) __VA_ARGS__
#define KILN_ONNX_SCHEMA(DOMAIN, TYPE, NAME, VERSIONS, INPUTS, OUTPUTS, ATTRS)               \
  schemas.push_back(OpSchema{DOMAIN, TYPE, NAME, std::vector<int>{VERSIONS},                  \
                             std::vector<ParamSchema>{INPUTS},                                 \
                             std::vector<ParamSchema>{OUTPUTS},                                \
                             std::vector<AttrSchema>{ATTRS}});

static std::vector<OpSchema> buildSchemas() {
  std::vector<OpSchema> schemas;
#include "dialects/ONNX/ONNXSchemas.gen.inc"
  return schemas;
}

const std::vector<OpSchema> &kiln::onnx::allOpSchemas() {
  static const std::vector<OpSchema> schemas = buildSchemas();
  return schemas;
}

int kiln::onnx::maxKnownOpset() { return KILN_MAX_ONNX_OPSET; }

const OpSchema *kiln::onnx::lookupOpSchema(llvm::StringRef domain, llvm::StringRef opType) {
  static const llvm::StringMap<const OpSchema *> index = [] {
    llvm::StringMap<const OpSchema *> map;
    for (const OpSchema &schema : allOpSchemas())
      map[(schema.domain.str() + "/" + schema.opType.str())] = &schema;
    return map;
  }();
  if (domain == "ai.onnx")
    domain = "";
  auto it = index.find(domain.str() + "/" + opType.str());
  return it == index.end() ? nullptr : it->second;
}

int OpSchema::versionAt(int opset) const {
  int found = 0;
  for (int v : versions)
    if (v <= opset)
      found = v;
  return found;
}

const AttrSchema *OpSchema::findAttribute(llvm::StringRef onnxName) const {
  for (const AttrSchema &attr : attributes)
    if (onnxName == attr.onnxName)
      return &attr;
  return nullptr;
}
