//===- KilnDialect.cpp - the kiln dialect ---------------------------------===//

#include "dialects/Kiln/KilnDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;

#include "dialects/Kiln/KilnDialect.cpp.inc"

void kiln::KilnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Kiln/KilnOps.cpp.inc"
      >();
}

#define GET_OP_CLASSES
#include "dialects/Kiln/KilnOps.cpp.inc"

LogicalResult kiln::AttentionOp::verify() {
  bool onTensors = isa<RankedTensorType>(getInit().getType());
  for (Value operand : getOperands())
    if (isa<RankedTensorType>(operand.getType()) != onTensors)
      return emitOpError("operands must be all tensors or all buffers");
  for (Value operand : {getQuery(), getKey(), getValue(), getInit()})
    if (cast<ShapedType>(operand.getType()).getRank() != 4)
      return emitOpError("query, key, value and init must be 4-D");
  if (onTensors && (getNumResults() != 1 || getResult()[0].getType() != getInit().getType()))
    return emitOpError("on tensors, the result must have the type of init");
  if (!onTensors && getNumResults())
    return emitOpError("on buffers, the op has no results (it writes init)");
  if (getMaskedValue() && !getMask())
    return emitOpError("masked_value needs a mask");
  return success();
}

void kiln::AttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  for (OpOperand &operand : getOperation()->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}
