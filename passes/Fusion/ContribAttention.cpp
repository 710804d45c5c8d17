//===- ContribAttention.cpp - com.microsoft attention ops as onnx.Attention ===//
//
// ONNX Runtime's optimizer writes attention as its contrib ops. Where they mean plain scaled
// dot-product attention (no KV cache), they are restated as the standard Attention op
// (opset 23), which kiln-raise-onnx-attention then raises to tfm.attention:
//
//   MultiHeadAttention(q, k, v [3-D], bias, key_padding_mask [B, L], attention_bias)
//   Attention(x, W, bias, mask_index [B, L] or lengths [B], attention_bias)
//                                                              -> x·W + bias split into q, k, v
//   GroupQueryAttention(q, k, v [3-D], seqlens_k) on a prompt    -> causal + key padding mask
//
// Both add `mask_filter_value` (default -10000) to the scores of padded keys, which the
// restatement keeps exactly as an additive float mask; `unidirectional` becomes is_causal
// (the raise then requires equal query and key lengths). Other forms (packed QKV/KV inputs,
// BNSH keys, past/present state, rotary, other mask layouts) stay as they are, with the
// reason in the fusion report; compiling them fails naming the node.
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionUtils.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/ShapeHelpers.h"
#include "dialects/ONNX/SymbolicDims.h"

using namespace mlir;
using namespace kiln;

namespace {

RankedTensorType rankedType(Value v) {
  return v ? dyn_cast<RankedTensorType>(v.getType()) : RankedTensorType();
}

/// Builds onnx ops with result types from shape inference.
struct OnnxBuilder {
  PatternRewriter &rewriter;
  Location loc;

  template <typename OpTy, typename... Args> Value op(Type element, Args &&...args) {
    return fusion::createInferred<OpTy>(rewriter, loc, element, std::forward<Args>(args)...);
  }
  Value ints(ArrayRef<int64_t> values) { return fusion::createI64Vector(rewriter, loc, values); }
  Value scalar(Type element, double value) {
    auto type = RankedTensorType::get({}, element);
    Attribute v = isa<FloatType>(element) ? Attribute(FloatAttr::get(element, value))
                                          : Attribute(IntegerAttr::get(element, (int64_t)value));
    return onnx::ConstantOp::create(rewriter, loc, type, DenseElementsAttr::get(type, v));
  }
  Value lastAxisSlice(Value x, int64_t begin, int64_t end) {
    return fusion::createLastAxisSlice(rewriter, loc, x, begin, end);
  }
  /// The [B, L] keep mask of right-padded rows of `lengths` [B] valid keys each, for keys as
  /// long as dim 1 of `keys`: arange(L) < lengths[b].
  Value keepFromLengths(Value lengths, Value keys) {
    Type i64 = rewriter.getI64Type();
    Value l = op<onnx::SqueezeOp>(
        i64, op<onnx::ShapeOp>(i64, keys, rewriter.getI64IntegerAttr(2), 1), Value());
    Value positions = op<onnx::RangeOp>(i64, scalar(i64, 0), l, scalar(i64, 1));
    Value ends = op<onnx::CastOp>(i64, lengths, "up", 1, /*INT64*/ 7);
    return op<onnx::LessOp>(rewriter.getI1Type(), op<onnx::UnsqueezeOp>(i64, positions, ints({0})),
                            op<onnx::UnsqueezeOp>(i64, ends, ints({1})));
  }
  /// The additive mask of a [B, L] key padding mask (0 = padded): filter where 0, as
  /// [B, 1, 1, L].
  Value paddingMask(Value keep, Type element, double filter) {
    Type keepElement = cast<ShapedType>(keep.getType()).getElementType();
    Value padded = op<onnx::EqualOp>(rewriter.getI1Type(), keep, scalar(keepElement, 0));
    Value additive =
        op<onnx::WhereOp>(element, padded, scalar(element, filter), scalar(element, 0));
    return op<onnx::UnsqueezeOp>(element, additive, ints({1, 2}));
  }
};

/// Replaces `op`'s first result with onnx.Attention on 3-D q, k, v.
void replaceWithAttention(PatternRewriter &rewriter, Operation *op, Value q, Value k, Value v,
                          Value mask, int64_t heads, int64_t kvHeads,
                          std::optional<APFloat> scale, bool causal) {
  Type element = cast<ShapedType>(q.getType()).getElementType();
  Type unranked = UnrankedTensorType::get(element);
  auto attention = onnx::AttentionOp::create(
      rewriter, op->getLoc(), op->getResult(0).getType(), unranked, unranked, unranked, q, k, v,
      mask, Value(), Value(), Value(), /*qk_matmul_output_mode=*/0, APFloat(0.0f),
      IntegerAttr(), rewriter.getI64IntegerAttr(kvHeads), rewriter.getI64IntegerAttr(heads),
      scale ? rewriter.getF32FloatAttr(scale->convertToFloat()) : FloatAttr(), causal ? 1 : 0);
  rewriter.replaceAllUsesWith(op->getResult(0), attention.getY());
  rewriter.eraseOp(op);
}

/// Checks shared by both ops: state outputs unused, a 2-D key padding mask if any (or, with
/// `allowLengths`, the 1-D [batch] valid lengths of right-padded rows).
LogicalResult checkCommon(PatternRewriter &rewriter, Operation *op, Value paddingMask,
                          bool allowLengths = false) {
  for (Value result : op->getResults().drop_front())
    if (!result.use_empty())
      return rewriter.notifyMatchFailure(op, "a present/qk output is used");
  auto mask = rankedType(paddingMask);
  if (paddingMask && (!mask || (mask.getRank() != 2 && !(allowLengths && mask.getRank() == 1))))
    return rewriter.notifyMatchFailure(op, "the key padding mask is not [batch, keys] or "
                                           "[batch] lengths (start/end pairs and 3-D/4-D masks "
                                           "are not supported)");
  return success();
}

/// The mask: padding (additive) plus attention_bias, either optional.
Value combinedMask(OnnxBuilder &b, Value padding, Value bias, Type element, double filter) {
  Value mask = padding ? b.paddingMask(padding, element, filter) : Value();
  if (bias)
    mask = mask ? b.op<onnx::AddOp>(element, mask, bias) : bias;
  return mask;
}

struct MultiHeadAttentionToONNX : OpRewritePattern<onnx::MSMultiHeadAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::MSMultiHeadAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getPastKey() || op.getPastValue() || op.getPastSequenceLength() ||
        op.getCacheIndirection())
      return rewriter.notifyMatchFailure(op, "past key/value (KV cache)");
    auto q = rankedType(op.getQuery()), k = rankedType(op.getKey()), v = rankedType(op.getValue());
    if (!q || !k || !v || q.getRank() != 3 || k.getRank() != 3 || v.getRank() != 3)
      return rewriter.notifyMatchFailure(op, "query, key and value are not all 3-D (packed "
                                             "QKV/KV and BNSH keys are not supported)");
    if (failed(checkCommon(rewriter, op, op.getKeyPaddingMask())))
      return failure();
    int64_t dq = q.getShape()[2], dk = k.getShape()[2], dv = v.getShape()[2];
    if (op.getBias() && (ShapedType::isDynamic(dq) || ShapedType::isDynamic(dk) ||
                         ShapedType::isDynamic(dv)))
      return rewriter.notifyMatchFailure(op, "a bias with dynamic hidden sizes");

    OnnxBuilder b{rewriter, op.getLoc()};
    Type element = q.getElementType();
    Value qv = op.getQuery(), kv = op.getKey(), vv = op.getValue();
    if (Value bias = op.getBias()) {
      qv = b.op<onnx::AddOp>(element, qv, b.lastAxisSlice(bias, 0, dq));
      kv = b.op<onnx::AddOp>(element, kv, b.lastAxisSlice(bias, dq, dq + dk));
      vv = b.op<onnx::AddOp>(element, vv, b.lastAxisSlice(bias, dq + dk, dq + dk + dv));
    }
    double filter = op.getMaskFilterValue() ? op.getMaskFilterValue()->convertToDouble() : -1e4;
    Value mask = combinedMask(b, op.getKeyPaddingMask(), op.getAttentionBias(), element, filter);
    replaceWithAttention(rewriter, op, qv, kv, vv, mask, (int64_t)op.getNumHeads(),
                         (int64_t)op.getNumHeads(), op.getScale(), op.getUnidirectional() != 0);
    return success();
  }
};

struct PackedAttentionToONNX : OpRewritePattern<onnx::MSAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::MSAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getPast() || op.getPastSequenceLength() || op.getPastPresentShareBuffer().value_or(0))
      return rewriter.notifyMatchFailure(op, "past state (KV cache)");
    if (op.getDoRotary().value_or(0))
      return rewriter.notifyMatchFailure(op, "do_rotary");
    auto x = rankedType(op.getInput()), w = rankedType(op.getWeights());
    if (!x || !w || x.getRank() != 3 || w.getRank() != 2 || w.isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "input is not 3-D or weights not a static 2-D "
                                             "matrix");
    if (failed(checkCommon(rewriter, op, op.getMaskIndex(), /*allowLengths=*/true)))
      return failure();
    SmallVector<int64_t> sizes;
    if (auto hidden = op.getQkvHiddenSizes())
      sizes.assign(hidden->begin(), hidden->end());
    else if (w.getShape()[1] % 3 == 0)
      sizes.assign(3, w.getShape()[1] / 3);
    if (sizes.size() != 3 || sizes[0] + sizes[1] + sizes[2] != w.getShape()[1] ||
        sizes[0] != sizes[1])
      return rewriter.notifyMatchFailure(op, "the weights do not split into q, k, v sizes");

    OnnxBuilder b{rewriter, op.getLoc()};
    Type element = x.getElementType();
    Value qkv = b.op<onnx::MatMulOp>(element, op.getInput(), op.getWeights());
    if (Value bias = op.getBias())
      qkv = b.op<onnx::AddOp>(element, qkv, bias);
    Value qv = b.lastAxisSlice(qkv, 0, sizes[0]);
    Value kv = b.lastAxisSlice(qkv, sizes[0], sizes[0] + sizes[1]);
    Value vv = b.lastAxisSlice(qkv, sizes[0] + sizes[1], w.getShape()[1]);
    double filter = op.getMaskFilterValue() ? op.getMaskFilterValue()->convertToDouble() : -1e4;
    Value keep = op.getMaskIndex();
    if (keep && rankedType(keep).getRank() == 1)
      keep = b.keepFromLengths(keep, op.getInput());
    Value mask = combinedMask(b, keep, op.getAttentionBias(), element, filter);
    replaceWithAttention(rewriter, op, qv, kv, vv, mask, (int64_t)op.getNumHeads(),
                         (int64_t)op.getNumHeads(), op.getScale(), op.getUnidirectional() != 0);
    return success();
  }
};

/// GroupQueryAttention on a prompt (no past state): ONNX Runtime attends query i to keys
/// j <= i (causal) that are also j <= seqlens_k[b] (right padding). With query and key lengths
/// proven equal that is Attention(is_causal) with the bool key mask [B, 1, 1, L] of
/// arange(L) <= seqlens_k. total_sequence_length must then be the sequence length.
struct GroupQueryAttentionToONNX : OpRewritePattern<onnx::MSGroupQueryAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::MSGroupQueryAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getPastKey() || op.getPastValue())
      return rewriter.notifyMatchFailure(op, "past key/value (KV cache)");
    if (op.getCosCache() || op.getSinCache() || op.getPositionIds() || op.getDoRotary().value_or(0))
      return rewriter.notifyMatchFailure(op, "do_rotary (raise a RotaryEmbedding instead)");
    if (op.getAttentionBias() || op.getHeadSink() || op.getKScale() || op.getVScale() ||
        op.getQNormWeight() || op.getKNormWeight() || op.getQuerySeqlens() ||
        op.getKvCacheBitWidth() || op.getKQuantType() != "NONE" ||
        op.getVQuantType() != "NONE")
      return rewriter.notifyMatchFailure(op, "attention_bias, head_sink, q/k norms, query "
                                             "seqlens or a quantized cache");
    // I64 attributes read back as uint64_t; -1 is their "off".
    if ((op.getSoftcap() && !op.getSoftcap()->isZero()) ||
        (int64_t)op.getLocalWindowSize() != -1 || (int64_t)op.getSmoothSoftmax() > 0 ||
        op.getQkOutput() != 0 || op.getSlidingWindowCache() != 0)
      return rewriter.notifyMatchFailure(op, "softcap, a local window, smooth softmax or qk "
                                             "output");
    if (failed(checkCommon(rewriter, op, Value())))
      return failure();
    auto q = rankedType(op.getQuery()), k = rankedType(op.getKey()), v = rankedType(op.getValue());
    if (!q || !k || !v || q.getRank() != 3 || k.getRank() != 3 || v.getRank() != 3)
      return rewriter.notifyMatchFailure(op, "query, key and value are not all 3-D (packed QKV "
                                             "is not supported)");
    if (!onnx::dimsKnownEqual({onnx::kDynamic, op.getQuery(), 1}, {onnx::kDynamic, op.getKey(), 1}))
      return rewriter.notifyMatchFailure(op, "query and key lengths may differ");

    OnnxBuilder b{rewriter, op.getLoc()};
    Type i64 = rewriter.getI64Type();
    Value length = b.op<onnx::SqueezeOp>(
        i64, b.op<onnx::ShapeOp>(i64, op.getKey(), rewriter.getI64IntegerAttr(2), 1), Value());
    Value positions = b.op<onnx::RangeOp>(i64, b.scalar(i64, 0), length, b.scalar(i64, 1));
    Value lastKey = b.op<onnx::CastOp>(i64, op.getSeqlensK(), "up", 1, /*INT64*/ 7);
    Value keep = b.op<onnx::LessOrEqualOp>(rewriter.getI1Type(),
                                           b.op<onnx::UnsqueezeOp>(i64, positions, b.ints({0})),
                                           b.op<onnx::UnsqueezeOp>(i64, lastKey, b.ints({1})));
    Value mask = b.op<onnx::UnsqueezeOp>(rewriter.getI1Type(), keep, b.ints({1, 2}));
    replaceWithAttention(rewriter, op, op.getQuery(), op.getKey(), op.getValue(), mask,
                         (int64_t)op.getNumHeads(), (int64_t)op.getKvNumHeads(), op.getScale(),
                         op.getCausal() != 0);
    return success();
  }
};

} // namespace

void kiln::fusion::populateContribAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<MultiHeadAttentionToONNX, PackedAttentionToONNX, GroupQueryAttentionToONNX>(
      patterns.getContext());
}
