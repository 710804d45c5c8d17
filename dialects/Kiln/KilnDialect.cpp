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

namespace {

/// The checks every kiln op in destination-passing style shares: all operands tensors (one
/// result, of init's type) or all buffers (no results).
LogicalResult verifyDestinationStyle(Operation *op, Value init) {
  bool onTensors = isa<RankedTensorType>(init.getType());
  for (Value operand : op->getOperands())
    if (isa<RankedTensorType>(operand.getType()) != onTensors)
      return op->emitOpError("operands must be all tensors or all buffers");
  if (onTensors && (op->getNumResults() != 1 || op->getResult(0).getType() != init.getType()))
    return op->emitOpError("on tensors, the result must have the type of init");
  if (!onTensors && op->getNumResults())
    return op->emitOpError("on buffers, the op has no results (it writes init)");
  return success();
}

/// Reads of every buffer operand but init, a write of init.
void destinationStyleEffects(
    DestinationStyleOpInterface op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (op.isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

/// A norm's input and init have one shape (rank at least 1) and axis is within it.
LogicalResult verifyNorm(Operation *op, Value input, Value init, int64_t axis) {
  if (failed(verifyDestinationStyle(op, init)))
    return failure();
  auto in = cast<ShapedType>(input.getType()), out = cast<ShapedType>(init.getType());
  if (in.getShape() != out.getShape() || in.getRank() < 1)
    return op->emitOpError("input and init must have one shape");
  if (axis < -in.getRank() || axis >= in.getRank())
    return op->emitOpError("axis ") << axis << " is out of range for rank " << in.getRank();
  return success();
}

} // namespace

LogicalResult kiln::AttentionOp::verify() {
  if (failed(verifyDestinationStyle(*this, getInit())))
    return failure();
  for (Value operand : {getQuery(), getKey(), getValue(), getInit()})
    if (cast<ShapedType>(operand.getType()).getRank() != 4)
      return emitOpError("query, key, value and init must be 4-D");
  if (getMaskedValue() && !getMask())
    return emitOpError("masked_value needs a mask");
  return success();
}

void kiln::AttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  destinationStyleEffects(*this, effects);
}

LogicalResult kiln::LayerNormOp::verify() {
  return verifyNorm(*this, getInput(), getInit(), static_cast<int64_t>(getAxis()));
}

void kiln::LayerNormOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  destinationStyleEffects(*this, effects);
}

LogicalResult kiln::RMSNormOp::verify() {
  return verifyNorm(*this, getInput(), getInit(), static_cast<int64_t>(getAxis()));
}

void kiln::RMSNormOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  destinationStyleEffects(*this, effects);
}
