//===- MmaFragments.cpp - mma.sync fragments ------------------------------===//

#include "codegen/CUDA/MmaFragments.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace kiln::mma {

static Value constant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value add(OpBuilder &b, Location loc, Value x, int64_t y) {
  return y ? arith::AddIOp::create(b, loc, x, constant(b, loc, y)).getResult() : x;
}
Value add(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddIOp::create(b, loc, x, y);
}
Value mul(OpBuilder &b, Location loc, Value x, int64_t y) {
  return arith::MulIOp::create(b, loc, x, constant(b, loc, y));
}
Value div(OpBuilder &b, Location loc, Value x, int64_t y) {
  return arith::DivUIOp::create(b, loc, x, constant(b, loc, y));
}
Value rem(OpBuilder &b, Location loc, Value x, int64_t y) {
  return arith::RemUIOp::create(b, loc, x, constant(b, loc, y));
}

static Type elementOf(Value stage) { return cast<MemRefType>(stage.getType()).getElementType(); }

/// The four 8x8 matrices of an ldmatrix.x4 at the row and column this lane addresses.
static Value loadX4(OpBuilder &b, Location loc, Value stage, Value row, Value col, bool transpose) {
  auto type = VectorType::get({4, 2}, elementOf(stage));
  return nvgpu::LdMatrixOp::create(b, loc, type, stage, ValueRange{row, col}, transpose,
                                   /*numTiles=*/4);
}

/// Rows {0, 1} and {2, 3} of an ldmatrix.x4 result as two vector<2x2> fragments.
static std::array<Value, 2> halves(OpBuilder &b, Location loc, Value both) {
  auto type = VectorType::get({2, 2}, cast<VectorType>(both.getType()).getElementType());
  std::array<Value, 2> fragments;
  for (int64_t half = 0; half < 2; ++half) {
    Value fragment = arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
    for (int64_t r = 0; r < 2; ++r)
      fragment = vector::InsertOp::create(
          b, loc, vector::ExtractOp::create(b, loc, both, ArrayRef<int64_t>{2 * half + r}),
          fragment, ArrayRef<int64_t>{r});
    fragments[half] = fragment;
  }
  return fragments;
}

// Lanes 0-15 address rows 0-15 at column col, lanes 16-31 the same rows at col + 8: the four
// matrices are a0a1, a2a3, a4a5, a6a7.
Value loadA(OpBuilder &b, Location loc, Value stage, Value row, Value col, Value lane) {
  return loadX4(b, loc, stage, add(b, loc, row, rem(b, loc, lane, 16)),
                add(b, loc, col, mul(b, loc, div(b, loc, lane, 16), 8)), /*transpose=*/false);
}

// Lanes 0-15 address k rows k..k+15 at column n, lanes 16-31 at n + 8; transposed, the
// matrices are b0b1 and b2b3 of fragment n, then of fragment n + 8.
std::array<Value, 2> loadBKMajor(OpBuilder &b, Location loc, Value stage, Value k, Value n,
                                 Value lane) {
  return halves(b, loc,
                loadX4(b, loc, stage, add(b, loc, k, rem(b, loc, lane, 16)),
                       add(b, loc, n, mul(b, loc, div(b, loc, lane, 16), 8)),
                       /*transpose=*/true));
}

// Lane l addresses row n + 8 (l / 16) + l % 8 at column k + 8 ((l / 8) % 2): the matrices are
// (n, k), (n, k + 8), (n + 8, k), (n + 8, k + 8), i.e. b0b1 and b2b3 of fragment n, then of
// fragment n + 8 (lane l reads row g, columns 2t + {0, 1}, which is B's (k = 2t + i, n = g)).
std::array<Value, 2> loadBNMajor(OpBuilder &b, Location loc, Value stage, Value n, Value k,
                                 Value lane) {
  Value row =
      add(b, loc, add(b, loc, n, mul(b, loc, div(b, loc, lane, 16), 8)), rem(b, loc, lane, 8));
  Value col = add(b, loc, k, mul(b, loc, rem(b, loc, div(b, loc, lane, 8), 2), 8));
  return halves(b, loc, loadX4(b, loc, stage, row, col, /*transpose=*/false));
}

/// The elements of `stage` at (row + dr, col + dc) for each offset, as a vector<Nx1xf32>.
static Value loadElements(OpBuilder &b, Location loc, Value stage, Value row, Value col,
                          ArrayRef<std::pair<int64_t, int64_t>> offsets) {
  auto type = VectorType::get({int64_t(offsets.size()), 1}, elementOf(stage));
  Value fragment = arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
  for (auto [i, offset] : llvm::enumerate(offsets)) {
    Value v = memref::LoadOp::create(
        b, loc, stage, ValueRange{add(b, loc, row, offset.first), add(b, loc, col, offset.second)});
    fragment = vector::InsertOp::create(b, loc, v, fragment, ArrayRef<int64_t>{int64_t(i), 0});
  }
  return fragment;
}

// a0 (g, t), a1 (g + 8, t), a2 (g, t + 4), a3 (g + 8, t + 4).
Value loadATf32(OpBuilder &b, Location loc, Value stage, Value row, Value col, Value lane) {
  return loadElements(b, loc, stage, add(b, loc, row, div(b, loc, lane, 4)),
                      add(b, loc, col, rem(b, loc, lane, 4)), {{0, 0}, {8, 0}, {0, 4}, {8, 4}});
}

// b0 (k = t, n = g), b1 (k = t + 4, n = g).
Value loadBTf32KMajor(OpBuilder &b, Location loc, Value stage, Value k, Value n, Value lane) {
  return loadElements(b, loc, stage, add(b, loc, k, rem(b, loc, lane, 4)),
                      add(b, loc, n, div(b, loc, lane, 4)), {{0, 0}, {4, 0}});
}

Value multiplyAdd(OpBuilder &b, Location loc, Value a, Value bFrag, Value acc) {
  if (cast<VectorType>(a.getType()).getElementType().isF32())
    return nvgpu::MmaSyncOp::create(b, loc, a, bFrag, acc, ArrayRef<int64_t>{16, 8, 8},
                                    /*tf32Enabled=*/true);
  return nvgpu::MmaSyncOp::create(b, loc, a, bFrag, acc, ArrayRef<int64_t>{16, 8, 16});
}

Value fragmentElement(OpBuilder &b, Location loc, Value fragment, Value i) {
  Value result = vector::ExtractOp::create(b, loc, fragment, ArrayRef<int64_t>{0, 0});
  for (int64_t j = 1; j < 4; ++j)
    result = arith::SelectOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, i, constant(b, loc, j)),
        vector::ExtractOp::create(b, loc, fragment, ArrayRef<int64_t>{j / 2, j % 2}), result);
  return result;
}

} // namespace kiln::mma
