//===- IndexChecks.cpp - run-time checked indices for gathers and scatters ===//
//
// ONNX indices come from the graph's inputs, so an index may be out of range at run time.
// Every read or write through one is guarded: an index outside [-dim, dim) touches nothing, it
// is reported to the runtime (`kiln_rt_index_error(site, index, dim)`, which fails the run
// with the node's name, as onnxruntime does), and the read gives zero. No input can make the
// generated code access memory outside a tensor, whatever the dims (zero included).
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"

#include "dialects/ONNX/NodeLocation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace kiln;

namespace {

constexpr llvm::StringLiteral kIndexErrorFunction = "kiln_rt_index_error";

/// A constant C string naming the node of `op` for run-time error messages, one private
/// global per site: `<op> node '<name>' (axis <axis>)`. Declares the runtime's
/// kiln_rt_index_error on first use.
LLVM::GlobalOp siteGlobal(OpBuilder &b, Location loc, Operation *op, int64_t axis) {
  std::string text = op->getName().stripDialect().str() + " node";
  if (std::optional<std::string> name = kiln::onnx::findNodeName(op->getLoc()))
    text += " '" + *name + "'";
  text += " (axis " + std::to_string(axis) + ")";
  text.push_back('\0');
  auto module = op->getParentOfType<ModuleOp>();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  if (!module.lookupSymbol(kIndexErrorFunction)) {
    auto ptr = LLVM::LLVMPointerType::get(b.getContext());
    auto decl = func::FuncOp::create(
        b, loc, kIndexErrorFunction,
        b.getFunctionType({ptr, b.getI64Type(), b.getI64Type()}, {}));
    decl.setPrivate();
    decl->setAttr("kiln.error_report", b.getUnitAttr());
  }
  std::string symbol = "kiln_site_0";
  for (unsigned i = 1; module.lookupSymbol(symbol); ++i)
    symbol = "kiln_site_" + std::to_string(i);
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), text.size());
  return LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/true, LLVM::Linkage::Private,
                                symbol, b.getStringAttr(text));
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
  Value site = LLVM::AddressOfOp::create(b, loc, siteGlobal(b, loc, op, axis));
  Value i64Index = arith::IndexCastOp::create(b, loc, b.getI64Type(), index.raw);
  Value i64Dim = arith::IndexCastOp::create(b, loc, b.getI64Type(), dim);
  func::CallOp::create(b, loc, kIndexErrorFunction, TypeRange{},
                       ValueRange{site, i64Index, i64Dim});
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
