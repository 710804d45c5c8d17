//===- PackProjections.cpp - kiln-pack-projections ------------------------===//
//
// Projections of one input by constant weights -- attention's Q, K and V above all -- become
// one wider matmul whose result is sliced apart: x·[Wq | Wk | Wv] reads x once and makes one
// GEMM call instead of three. Members must agree on everything but their weights (the same
// op kind, the same activation, all with a constant per-feature bias or none); the weights
// (and biases) are concatenated at compile time, dense_resource blobs included.
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionUtils.h"
#include "passes/Passes.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/TFM/TFMDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/MapVector.h"

namespace kiln {
#define GEN_PASS_DEF_PACKPROJECTIONS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

/// One projection: a 2-D constant `weights` [K, N] applied to the shared input.
struct Member {
  Operation *op;
  Value weights, bias;
};

/// What members of one pack share: input, op kind, activation, whether biased, weights'
/// element type and K, and the block.
using PackKey =
    std::tuple<const void *, const void *, const void *, int64_t, const void *, int64_t, Block *>;

std::optional<std::pair<PackKey, Member>> asMember(Operation *op) {
  Value lhs, rhs, bias;
  Attribute activation;
  if (auto mm = dyn_cast<onnx::MatMulOp>(op)) {
    lhs = mm.getA(), rhs = mm.getB();
  } else if (auto mm = dyn_cast<tfm::MatmulOp>(op); mm && !mm.getTransposeRhs()) {
    lhs = mm.getLhs(), rhs = mm.getRhs(), bias = mm.getBias();
    activation = mm.getActivationAttr();
    auto b = bias ? dyn_cast<RankedTensorType>(bias.getType()) : RankedTensorType();
    if (bias && (!b || b.getRank() != 1 || !matchPattern(bias, m_Constant())))
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  auto w = dyn_cast<RankedTensorType>(rhs.getType());
  auto x = dyn_cast<RankedTensorType>(lhs.getType());
  if (!w || !x || w.getRank() != 2 || x.getRank() < 2 || !w.hasStaticShape() ||
      !matchPattern(rhs, m_Constant()))
    return std::nullopt;
  PackKey key{lhs.getAsOpaquePointer(), op->getName().getAsOpaquePointer(),
              activation.getAsOpaquePointer(), bias ? 1 : 0,
              w.getElementType().getAsOpaquePointer(), w.getShape()[0], op->getBlock()};
  return std::pair(key, Member{op, rhs, bias});
}

/// Concatenates constants along their last dim: [R, N1], [R, N2], ... -> [R, sum N].
FailureOr<Value> concatConstants(OpBuilder &b, Location loc, ArrayRef<Value> parts) {
  SmallVector<std::vector<char>> bytes;
  SmallVector<int64_t> widths;
  auto first = cast<RankedTensorType>(parts.front().getType());
  int64_t rows = first.getRank() == 2 ? first.getShape()[0] : 1;
  size_t elementBytes = first.getElementTypeBitWidth() / 8;
  for (Value p : parts) {
    std::optional<std::vector<char>> data = fusion::constantBytes(p);
    if (!data)
      return failure();
    bytes.push_back(std::move(*data));
    widths.push_back(cast<RankedTensorType>(p.getType()).getShape().back());
  }
  int64_t total = 0;
  for (int64_t w : widths)
    total += w;
  std::vector<char> packed;
  packed.reserve((size_t)rows * total * elementBytes);
  for (int64_t r = 0; r < rows; ++r)
    for (size_t i = 0; i < parts.size(); ++i) {
      const char *row = bytes[i].data() + (size_t)r * widths[i] * elementBytes;
      packed.insert(packed.end(), row, row + widths[i] * elementBytes);
    }
  SmallVector<int64_t> shape = first.getRank() == 2 ? SmallVector<int64_t>{rows, total}
                                                    : SmallVector<int64_t>{total};
  auto type = RankedTensorType::get(shape, first.getElementType());
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(ArrayRef<char>(packed),
                                                            alignof(uint64_t));
  auto attr = DenseResourceElementsAttr::get(type, "kiln_packed", std::move(blob));
  return onnx::ConstantOp::create(b, loc, type, attr).getResult();
}

LogicalResult pack(ArrayRef<Member> members) {
  Operation *firstOp = members.front().op;
  for (const Member &m : members)
    if (m.op->isBeforeInBlock(firstOp))
      firstOp = m.op;
  OpBuilder b(firstOp->getContext());
  b.setInsertionPoint(firstOp);
  Location loc = firstOp->getLoc();
  SmallVector<Value> weights, biases;
  for (const Member &m : members) {
    weights.push_back(m.weights);
    if (m.bias)
      biases.push_back(m.bias);
  }
  FailureOr<Value> packedWeights = concatConstants(b, loc, weights);
  FailureOr<Value> packedBias =
      biases.empty() ? FailureOr<Value>(Value()) : concatConstants(b, loc, biases);
  if (failed(packedWeights) || failed(packedBias))
    return failure();
  auto firstType = cast<RankedTensorType>(firstOp->getResult(0).getType());
  SmallVector<int64_t> shape(firstType.getShape());
  shape.back() = cast<RankedTensorType>(packedWeights->getType()).getShape().back();
  auto packedType = RankedTensorType::get(shape, firstType.getElementType());
  // The input dominates every member, so the first member's position serves all of them.
  Value input = firstOp->getOperand(0);
  Operation *packedOp;
  if (auto mm = dyn_cast<tfm::MatmulOp>(firstOp)) {
    SmallVector<Value> operands = {input, *packedWeights};
    if (*packedBias)
      operands.push_back(*packedBias);
    packedOp = tfm::MatmulOp::create(b, loc, TypeRange{packedType}, operands, mm->getAttrs());
  } else {
    packedOp = onnx::MatMulOp::create(b, loc, packedType, input, *packedWeights);
  }
  // The slices go right after the packed op, before every member; the members go last.
  b.setInsertionPointAfter(packedOp);
  int64_t offset = 0;
  for (const Member &m : members) {
    Value result = m.op->getResult(0);
    int64_t n = cast<RankedTensorType>(m.weights.getType()).getShape().back();
    Value slice =
        fusion::createLastAxisSlice(b, m.op->getLoc(), packedOp->getResult(0), offset, offset + n);
    slice.setType(result.getType()); // the member's (possibly more refined) type
    result.replaceAllUsesWith(slice);
    offset += n;
  }
  for (const Member &m : members)
    m.op->erase();
  return success();
}

struct PackProjectionsPass : kiln::impl::PackProjectionsBase<PackProjectionsPass> {
  void runOnOperation() override {
    llvm::MapVector<PackKey, SmallVector<Member>> groups;
    getOperation().walk([&](Operation *op) {
      if (auto m = asMember(op))
        groups[m->first].push_back(m->second);
    });
    // A group whose constants cannot be read stays as it is.
    for (auto &[key, members] : groups)
      if (members.size() >= 2)
        (void)pack(members);
  }
};

} // namespace
