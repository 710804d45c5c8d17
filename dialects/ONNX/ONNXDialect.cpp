//===- ONNXDialect.cpp - the onnx dialect ---------------------------------===//
//
// Dialect registration, constant materialisation and the generated op definitions.
//
//===----------------------------------------------------------------------===//

#include "dialects/ONNX/ONNXDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace kiln::onnx;

#include "dialects/ONNX/ONNXDialect.cpp.inc"
#include "dialects/ONNX/ONNXInterfaces.cpp.inc"

void ONNXDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/ONNX/ONNXOps.cpp.inc"
      >();
}

Operation *ONNXDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                            Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           ValueRange, DictionaryAttr attributes,
                                           OpaqueProperties properties, RegionRange,
                                           SmallVectorImpl<Type> &inferred) {
  auto value = properties.as<Properties *>()->value;
  if (!value)
    return emitOptionalError(loc, "onnx.Constant requires a 'value' attribute");
  inferred.push_back(value.getShapedType());
  return success();
}

#define GET_OP_CLASSES
#include "dialects/ONNX/ONNXOps.cpp.inc"
