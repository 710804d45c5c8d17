//===- IndexChecks.cpp - run-time checked indices for gathers and scatters ===//
//
// ONNX indices come from the graph's inputs, so an index may be out of range at run time.
// Every read or write through one is guarded: an index outside [-dim, dim) touches nothing, it
// is reported (`kiln.index_error`, which each target lowers to its runtime's report: the run
// fails with the node's name, as onnxruntime does), and the read gives zero. No input can make the
// generated code access memory outside a tensor, whatever the dims (zero included).
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"

#include "dialects/Kiln/KilnDialect.h"
#include "dialects/ONNX/NodeLocation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln;

namespace {

/// The run-time error message's name for the site: `<op> node '<name>' (axis <axis>)`, or
/// `(the axis input)` for axis -1.
std::string siteName(Operation *op, int64_t axis) {
  std::string text = op->getName().stripDialect().str() + " node";
  if (std::optional<std::string> name = kiln::onnx::findNodeName(op->getLoc()))
    text += " '" + *name + "'";
  return text + (axis < 0 ? std::string(" (the axis input)")
                          : " (axis " + std::to_string(axis) + ")");
}

} // namespace

CheckedIndex kiln::checkIndex(OpBuilder &b, Location loc, Value index, Value dim) {
  Value raw = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value isNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, raw, zero);
  Value idx = arith::SelectOp::create(b, loc, isNeg, arith::AddIOp::create(b, loc, raw, dim), raw);
  Value inRange = arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, idx, zero),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, idx, dim));
  return {idx, inRange, raw};
}

void kiln::reportIndexError(OpBuilder &b, Location loc, Operation *op, int64_t axis,
                            const CheckedIndex &index, Value dim) {
  kiln::IndexErrorOp::create(b, loc, index.raw, dim, b.getStringAttr(siteName(op, axis)));
}

Value kiln::allInRange(OpBuilder &b, Location loc, ArrayRef<CheckedIndex> indices) {
  Value ok = indices.front().inRange;
  for (const CheckedIndex &index : indices.drop_front())
    ok = arith::AndIOp::create(b, loc, ok, index.inRange);
  return ok;
}

void kiln::reportIndexErrors(OpBuilder &b, Location loc, Operation *op,
                             ArrayRef<IndexOperand> operands, ArrayRef<CheckedIndex> checked) {
  if (operands.size() == 1) {
    reportIndexError(b, loc, op, operands[0].axis, checked[0], operands[0].dim);
    return;
  }
  // Several coordinates: each out-of-range one is reported (the run keeps the first).
  for (auto [operand, index] : llvm::zip(operands, checked)) {
    Value bad = arith::XOrIOp::create(b, loc, index.inRange,
                                      arith::ConstantIntOp::create(b, loc, 1, 1));
    scf::IfOp::create(b, loc, bad, [&](OpBuilder &tb, Location l) {
      reportIndexError(tb, l, op, operand.axis, index, operand.dim);
      scf::YieldOp::create(tb, l);
    });
  }
}

Value kiln::checkedGatherRead(OpBuilder &b, Location loc, Operation *op, Value data,
                              SmallVector<Value> coords, ArrayRef<IndexOperand> indices) {
  SmallVector<CheckedIndex> checked;
  for (const IndexOperand &operand : indices) {
    checked.push_back(checkIndex(b, loc, operand.index, operand.dim));
    coords[operand.axis] = checked.back().index;
  }
  Type element = cast<RankedTensorType>(data.getType()).getElementType();
  auto ifOp = scf::IfOp::create(
      b, loc, allInRange(b, loc, checked),
      [&](OpBuilder &tb, Location l) {
        scf::YieldOp::create(tb, l, ValueRange{tensor::ExtractOp::create(tb, l, data, coords)});
      },
      [&](OpBuilder &eb, Location l) {
        reportIndexErrors(eb, l, op, indices, checked);
        Value fill = arith::ConstantOp::create(eb, l, cast<TypedAttr>(eb.getZeroAttr(element)));
        scf::YieldOp::create(eb, l, ValueRange{fill});
      });
  return ifOp.getResult(0);
}
