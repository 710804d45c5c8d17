//===- KernelBuilding.cpp - pieces the CUDA kernel builders share ---------===//

#include "codegen/CUDA/KernelBuilding.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"

using namespace mlir;

SmallVector<Value> kiln::delinearizeIndex(OpBuilder &b, Location loc, Value linear,
                                          ArrayRef<Value> sizes) {
  SmallVector<Value> indices(sizes.size());
  for (int64_t d = int64_t(sizes.size()) - 1; d > 0; --d) {
    indices[d] = arith::RemUIOp::create(b, loc, linear, sizes[d]);
    linear = arith::DivUIOp::create(b, loc, linear, sizes[d]);
  }
  if (!sizes.empty())
    indices[0] = linear;
  return indices;
}

void kiln::describeLaunch(Operation *launch, Location loc, llvm::StringRef description) {
  Builder b(launch->getContext());
  launch->setLoc(FusedLoc::get(
      b.getContext(), {loc},
      b.getDictionaryAttr(b.getNamedAttr("kernel", b.getStringAttr(description)))));
}

std::string kiln::fmaPrecision(Type operand, Type arithmetic) {
  auto name = [](Type t) {
    std::string s;
    llvm::raw_string_ostream os(s);
    t.print(os);
    return s;
  };
  std::string text = name(arithmetic) + " FMA";
  if (operand != arithmetic)
    text += ", " + name(operand) + " operands";
  return text;
}

/// `value` combined over each aligned group of `lanes` threads by a butterfly of shuffles.
static Value warpGroupCombine(OpBuilder &b, Location loc, Value value, int64_t lanes,
                              llvm::function_ref<Value(Value, Value)> combine) {
  Value width = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 32);
  for (int64_t step = lanes / 2; step >= 1; step /= 2) {
    Value distance = arith::ConstantIntOp::create(b, loc, b.getI32Type(), step);
    Value other = gpu::ShuffleOp::create(b, loc, value, distance, width, gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    value = combine(value, other);
  }
  return value;
}

Value kiln::warpGroupSum(OpBuilder &b, Location loc, Value value, int64_t lanes) {
  return warpGroupCombine(b, loc, value, lanes, [&](Value x, Value y) -> Value {
    return arith::AddFOp::create(b, loc, x, y);
  });
}

Value kiln::warpGroupMax(OpBuilder &b, Location loc, Value value, int64_t lanes) {
  return warpGroupCombine(b, loc, value, lanes, [&](Value x, Value y) -> Value {
    return arith::MaximumFOp::create(b, loc, x, y);
  });
}
