//===- ClaimAttention.cpp - kiln-cuda-claim-attention ---------------------===//
//
// The CUDA target's claim (docs/design/targets.md): tfm.attention that the online-softmax
// kernel implements becomes kiln.attention in destination-passing style, which bufferizes
// with the program and kiln-cuda-attention-kernels turns into one kernel.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"

#include "codegen/CUDA/FlashAttention.h"

namespace kiln {
#define GEN_PASS_DEF_CUDACLAIMATTENTION
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

/// Position of the head-dim entry in a 4-D attention operand: last in both layouts.
constexpr unsigned kHeadDim = 3;

bool kernelElement(Type t) { return isa<Float16Type, BFloat16Type, Float32Type>(t); }

bool claimable(tfm::AttentionOp op) {
  auto q = cast<RankedTensorType>(op.getQuery().getType());
  auto v = cast<RankedTensorType>(op.getValue().getType());
  for (Value operand : {op.getQuery(), op.getKey(), op.getValue(), op.getOutput()})
    if (!kernelElement(cast<RankedTensorType>(operand.getType()).getElementType()))
      return false;
  if (Value mask = op.getMask()) {
    Type m = cast<RankedTensorType>(mask.getType()).getElementType();
    if (!kernelElement(m) && !m.isInteger(1))
      return false;
  }
  return planFlashAttention(q.getDimSize(kHeadDim), v.getDimSize(kHeadDim), bool(op.getMask()))
      .has_value();
}

struct CUDAClaimAttentionPass : kiln::impl::CUDAClaimAttentionBase<CUDAClaimAttentionPass> {
  void runOnOperation() override {
    SmallVector<tfm::AttentionOp> claimed;
    getOperation().walk([&](tfm::AttentionOp op) {
      if (claimable(op))
        claimed.push_back(op);
    });
    for (tfm::AttentionOp op : claimed)
      claim(op);
  }

  static void claim(tfm::AttentionOp op) {
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
};

} // namespace
