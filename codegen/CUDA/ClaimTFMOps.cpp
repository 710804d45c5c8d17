//===- ClaimTFMOps.cpp - kiln-cuda-claim-tfm-ops --------------------------===//
//
// The CUDA target's claim (docs/design/targets.md): the tfm ops that one of its kernel
// builders implements become kiln ops in destination-passing style, which bufferize with the
// program: attention for the online-softmax kernel (kiln-cuda-attention-kernels), layer and
// RMS norms for the row kernel (kiln-cuda-norm-kernels).
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"

#include "codegen/CUDA/FlashAttention.h"

namespace kiln {
#define GEN_PASS_DEF_CUDACLAIMTFMOPS
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

/// Position of the head-dim entry in a 4-D attention operand: last in both layouts.
constexpr unsigned kHeadDim = 3;

bool kernelElement(Type t) { return isa<Float16Type, BFloat16Type, Float32Type>(t); }
Type elementOf(Value v) { return cast<ShapedType>(v.getType()).getElementType(); }

bool claimable(tfm::AttentionOp op) {
  auto q = cast<RankedTensorType>(op.getQuery().getType());
  auto v = cast<RankedTensorType>(op.getValue().getType());
  for (Value operand : {op.getQuery(), op.getKey(), op.getValue(), op.getOutput()})
    if (!kernelElement(elementOf(operand)))
      return false;
  if (Value mask = op.getMask())
    if (!kernelElement(elementOf(mask)) && !elementOf(mask).isInteger(1))
      return false;
  return planFlashAttention(q.getDimSize(kHeadDim), v.getDimSize(kHeadDim), bool(op.getMask()))
      .has_value();
}

/// A norm whose operands are f16/bf16/f32 and whose parameters broadcast over the normalised
/// dims only.
bool claimableNorm(Value input, int64_t axis, ValueRange parameters) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t normalised = type.getRank() - (axis < 0 ? axis + type.getRank() : axis);
  if (!kernelElement(type.getElementType()))
    return false;
  return llvm::all_of(parameters, [&](Value p) {
    return !p || (kernelElement(elementOf(p)) &&
                  cast<RankedTensorType>(p.getType()).getRank() <= normalised);
  });
}

/// An empty tensor of `result`'s type, its dynamic dims those of `like` (same shape).
Value emptyLike(OpBuilder &b, Location loc, Value result, Value like) {
  auto type = cast<RankedTensorType>(result.getType());
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, like, d));
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(), sizes);
}

void claim(tfm::AttentionOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(op.getType());
  // The output's dims: batch, heads and sequence of the query, head dim of the value.
  auto q = tfm::layoutPositions(op.getQueryLayout());
  auto v = tfm::layoutPositions(op.getValueLayout());
  auto out = tfm::layoutPositions(op.getOutputLayout());
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    int64_t role = llvm::find(out, d) - out.begin();
    sizes.push_back(role == kHeadDim
                        ? tensor::DimOp::create(b, loc, op.getValue(), v[kHeadDim]).getResult()
                        : tensor::DimOp::create(b, loc, op.getQuery(), q[role]).getResult());
  }
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(), sizes);
  auto claimed = kiln::AttentionOp::create(
      b, loc, TypeRange{type}, op.getQuery(), op.getKey(), op.getValue(), op.getMask(), init,
      op.getQueryLayoutAttr(), op.getKeyLayoutAttr(), op.getValueLayoutAttr(),
      op.getOutputLayoutAttr(), op.getScaleAttr(), op.getCausalAttr(), op.getWindowAttr(),
      op.getSoftcapAttr(), op.getMaskedValueAttr());
  op.replaceAllUsesWith(claimed.getResult()[0]);
  op.erase();
}

void claim(tfm::LayerNormOp op) {
  OpBuilder b(op);
  Value init = emptyLike(b, op.getLoc(), op.getOutput(), op.getInput());
  auto claimed = kiln::LayerNormOp::create(b, op.getLoc(), TypeRange{op.getType()}, op.getInput(),
                                           op.getScale(), op.getBias(), init, op.getAxisAttr(),
                                           op.getEpsilonAttr());
  op.replaceAllUsesWith(claimed.getResult()[0]);
  op.erase();
}

void claim(tfm::RMSNormOp op) {
  OpBuilder b(op);
  Value init = emptyLike(b, op.getLoc(), op.getOutput(), op.getInput());
  auto claimed =
      kiln::RMSNormOp::create(b, op.getLoc(), TypeRange{op.getType()}, op.getInput(), op.getScale(),
                              init, op.getAxisAttr(), op.getEpsilonAttr());
  op.replaceAllUsesWith(claimed.getResult()[0]);
  op.erase();
}

struct CUDAClaimTFMOpsPass : kiln::impl::CUDAClaimTFMOpsBase<CUDAClaimTFMOpsPass> {
  void runOnOperation() override {
    SmallVector<Operation *> claimed;
    getOperation().walk([&](Operation *op) {
      if (auto attention = dyn_cast<tfm::AttentionOp>(op); attention && claimable(attention))
        claimed.push_back(op);
      else if (auto norm = dyn_cast<tfm::LayerNormOp>(op);
               norm && claimableNorm(norm.getInput(), static_cast<int64_t>(norm.getAxis()),
                                     {norm.getScale(), norm.getBias()}))
        claimed.push_back(op);
      else if (auto rms = dyn_cast<tfm::RMSNormOp>(op);
               rms &&
               claimableNorm(rms.getInput(), static_cast<int64_t>(rms.getAxis()), {rms.getScale()}))
        claimed.push_back(op);
    });
    for (Operation *op : claimed) {
      if (auto attention = dyn_cast<tfm::AttentionOp>(op))
        claim(attention);
      else if (auto norm = dyn_cast<tfm::LayerNormOp>(op))
        claim(norm);
      else
        claim(cast<tfm::RMSNormOp>(op));
    }
  }
};

} // namespace
