//===- RaiseONNXAttention.cpp - kiln-raise-onnx-attention -----------------===//
//
// onnx.Attention (opset 23+) becomes tfm.attention where the two agree exactly (see the pass
// description for the cases ONNX defines differently). 3-D operands [batch, seq, heads *
// head_dim] are expanded to [batch, seq, heads, head_dim] and used in the bshd layout, and the
// output is collapsed back, so head split and merge cost nothing.
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionUtils.h"
#include "passes/Fusion/AttentionMask.h"
#include "passes/Passes.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/SymbolicDims.h"
#include "dialects/TFM/TFMDialect.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_RAISEONNXATTENTION
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// [b, s, heads * d] -> [b, s, heads, d]; the hidden size is static and divisible.
Value splitHeads(PatternRewriter &rewriter, Location loc, Value v, int64_t heads) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t hidden = type.getDimSize(2);
  auto result = RankedTensorType::get(
      {type.getDimSize(0), type.getDimSize(1), heads, hidden / heads}, type.getElementType());
  SmallVector<OpFoldResult> shape;
  for (int64_t i = 0; i < 2; ++i)
    shape.push_back(tensor::getMixedSize(rewriter, loc, v, i));
  shape.push_back(rewriter.getIndexAttr(heads));
  shape.push_back(rewriter.getIndexAttr(hidden / heads));
  return tensor::ExpandShapeOp::create(rewriter, loc, result, v,
                                       SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}}, shape);
}

struct RaiseAttention : OpRewritePattern<kiln::onnx::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::onnx::AttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getPastKey() || op.getPastValue() || op.getNonpadKvSeqlen())
      return rewriter.notifyMatchFailure(op, "past key/value or nonpad_kv_seqlen");
    if (!op.getPresentKey().use_empty() || !op.getPresentValue().use_empty() ||
        !op.getQkMatmulOutput().use_empty())
      return rewriter.notifyMatchFailure(op, "present or qk outputs are used");
    if (!op.getSoftcap().isZero())
      return rewriter.notifyMatchFailure(op, "softcap (ONNX applies it after the mask)");
    auto q = dyn_cast<RankedTensorType>(op.getQ().getType());
    auto k = dyn_cast<RankedTensorType>(op.getK().getType());
    auto v = dyn_cast<RankedTensorType>(op.getV().getType());
    auto y = dyn_cast<RankedTensorType>(op.getY().getType());
    if (!q || !k || !v || !y || q.getRank() != k.getRank() || q.getRank() != v.getRank())
      return rewriter.notifyMatchFailure(op, "operand ranks unknown or mixed");
    bool packed = q.getRank() == 3;
    int64_t seqDim = packed ? 1 : 2;
    auto sameDim = [](Value a, int64_t da, Value b, int64_t db) {
      return kiln::onnx::dimsKnownEqual({kiln::onnx::kDynamic, a, da},
                                        {kiln::onnx::kDynamic, b, db});
    };
    if (op.getIsCausal() && !sameDim(op.getQ(), seqDim, op.getK(), seqDim))
      return rewriter.notifyMatchFailure(op, "causal with query and key lengths that may "
                                             "differ (ONNX aligns top-left)");
    Value mask = op.getAttnMask();
    if (mask) {
      auto m = dyn_cast<RankedTensorType>(mask.getType());
      if (!m || m.getRank() > 4)
        return rewriter.notifyMatchFailure(op, "mask rank unknown or above 4");
      if (m.getDimSize(m.getRank() - 1) != 1 &&
          !sameDim(mask, m.getRank() - 1, op.getK(), seqDim))
        return rewriter.notifyMatchFailure(op, "mask may be shorter than the keys (ONNX pads)");
    }

    if (!isa<FloatType>(q.getElementType()) || k.getElementType() != q.getElementType() ||
        v.getElementType() != q.getElementType())
      return rewriter.notifyMatchFailure(op, "operands are not of one float type");
    if (mask) {
      Type m = cast<ShapedType>(mask.getType()).getElementType();
      if (!m.isInteger(1) && m != q.getElementType())
        return rewriter.notifyMatchFailure(op, "mask is neither bool nor the operands' type");
    }
    if (!packed) {
      int64_t hq = q.getDimSize(1), hkv = k.getDimSize(1);
      if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv) || hkv == 0 || hq % hkv ||
          q.getDimSize(3) != k.getDimSize(3))
        return rewriter.notifyMatchFailure(op, "heads not static multiples or head dims differ");
    } else {
      int64_t hq = op.getQNumHeads() ? (int64_t)*op.getQNumHeads() : 0;
      int64_t hkv = op.getKvNumHeads() ? (int64_t)*op.getKvNumHeads() : 0;
      auto divides = [](int64_t heads, RankedTensorType t) {
        return heads > 0 && !t.isDynamicDim(2) && t.getDimSize(2) % heads == 0;
      };
      if (!divides(hq, q) || !divides(hkv, k) || !divides(hkv, v) || hq % hkv ||
          q.getDimSize(2) / hq != k.getDimSize(2) / hkv)
        return rewriter.notifyMatchFailure(op, "3-D operands need static hidden sizes that "
                                               "q_num_heads/kv_num_heads divide, and equal "
                                               "query and key head dims");
    }

    Location loc = op.getLoc();
    Value qv = op.getQ(), kv = op.getK(), vv = op.getV();
    auto layout = kiln::tfm::LayoutAttr::get(
        getContext(), packed ? kiln::tfm::Layout::bshd : kiln::tfm::Layout::bhsd);
    if (packed) {
      qv = splitHeads(rewriter, loc, qv, (int64_t)*op.getQNumHeads());
      kv = splitHeads(rewriter, loc, kv, (int64_t)*op.getKvNumHeads());
      vv = splitHeads(rewriter, loc, vv, (int64_t)*op.getKvNumHeads());
    }
    auto qt = cast<RankedTensorType>(qv.getType()), vt = cast<RankedTensorType>(vv.getType());
    auto outType = packed ? RankedTensorType::get({qt.getDimSize(0), qt.getDimSize(1),
                                                   qt.getDimSize(2), vt.getDimSize(3)},
                                                  y.getElementType())
                          : y;
    SmallVector<NamedAttribute> attrs = {rewriter.getNamedAttr("query_layout", layout),
                                         rewriter.getNamedAttr("key_layout", layout),
                                         rewriter.getNamedAttr("value_layout", layout),
                                         rewriter.getNamedAttr("output_layout", layout)};
    if (auto scale = op.getScale())
      attrs.push_back(rewriter.getNamedAttr("scale", rewriter.getF32FloatAttr(scale->convertToFloat())));
    // A mask of position terms becomes `causal`/`window` (AttentionMask.h); a causal op's
    // own mask keeps its form (both apply).
    bool causal = op.getIsCausal() != 0;
    std::optional<int64_t> window;
    if (mask && !causal) {
      if (std::optional<kiln::fusion::MaskAttributes> m = kiln::fusion::maskAsAttributes(
              mask, {kiln::onnx::kDynamic, op.getQ(), seqDim},
              {kiln::onnx::kDynamic, op.getK(), seqDim})) {
        causal = m->causal, window = m->window;
        mask = m->residual.empty() ? Value()
                                   : kiln::fusion::buildConjunction(rewriter, loc, m->residual);
      }
    }
    if (causal)
      attrs.push_back(rewriter.getNamedAttr("causal", rewriter.getUnitAttr()));
    if (window)
      attrs.push_back(rewriter.getNamedAttr("window", rewriter.getI64IntegerAttr(*window)));
    SmallVector<Value> operands = {qv, kv, vv};
    if (mask)
      operands.push_back(mask);
    Value out =
        kiln::tfm::AttentionOp::create(rewriter, loc, TypeRange{outType}, operands, attrs);
    if (packed)
      out = tensor::CollapseShapeOp::create(rewriter, loc, y, out,
                                            SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    rewriter.replaceAllUsesWith(op.getY(), out);
    rewriter.eraseOp(op);
    return success();
  }
};

struct RaiseONNXAttentionPass
    : public kiln::impl::RaiseONNXAttentionBase<RaiseONNXAttentionPass> {
  using RaiseONNXAttentionBase::RaiseONNXAttentionBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    if (!restateOnly)
      patterns.add<RaiseAttention>(&getContext());
    kiln::fusion::populateContribAttentionPatterns(patterns);
    if (failed(kiln::fusion::applyAndRecordMisses(
            getOperation(), std::move(patterns), [](Operation *op) {
              return isa<kiln::onnx::AttentionOp, kiln::onnx::MSAttentionOp,
                         kiln::onnx::MSMultiHeadAttentionOp,
                         kiln::onnx::MSGroupQueryAttentionOp>(op);
            })))
      signalPassFailure();
  }
};

} // namespace
