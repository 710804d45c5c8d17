//===- ExpandONNXAttention.cpp - kiln-expand-onnx-attention ---------------===//
//
// Restates onnx.Attention (opset 23+) as the standard ops of its definition, for the forms
// tfm.attention does not state (KV cache inputs and outputs, qk_matmul_output, a softcap after
// the mask, top-left causal alignment, masks shorter than the keys). See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionUtils.h"
#include "passes/Passes.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/SymbolicDims.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <limits>

namespace kiln {
#define GEN_PASS_DEF_EXPANDONNXATTENTION
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

/// Builds the onnx ops of one expansion; every value is of the attention's float type unless
/// it is a shape or a position (i64) or a condition (i1).
struct Builder {
  PatternRewriter &b;
  Location loc;
  Type element;

  template <typename OpTy, typename... Args> Value make(Type type, Args &&...args) {
    return fusion::createInferred<OpTy>(b, loc, type, std::forward<Args>(args)...);
  }
  template <typename OpTy, typename... Args> Value f(Args &&...args) {
    return make<OpTy>(element, std::forward<Args>(args)...);
  }
  Value i64s(ArrayRef<int64_t> values) { return fusion::createI64Vector(b, loc, values); }
  Value scalar(double value) {
    auto type = RankedTensorType::get({}, element);
    return onnx::ConstantOp::create(
        b, loc, type, DenseElementsAttr::get(type, b.getFloatAttr(element, value)));
  }
  Value negInf() { return scalar(-std::numeric_limits<double>::infinity()); }
  Value transpose(Value x, ArrayRef<int64_t> perm) {
    return f<onnx::TransposeOp>(x, b.getDenseI64ArrayAttr(perm));
  }
  Value reshape(Value x, ArrayRef<int64_t> shape) {
    return f<onnx::ReshapeOp>(x, i64s(shape), b.getI64IntegerAttr(0));
  }
  Value length(Value x, int64_t axis) { return fusion::createDimLength(b, loc, x, axis); }
  Value positions(Value n) { return fusion::createPositions(b, loc, n); }
  /// 0 where `keep`, -inf elsewhere.
  Value bias(Value keep) { return f<onnx::WhereOp>(keep, scalar(0), negInf()); }
  Value add(Value x, Value y) { return x ? f<onnx::AddOp>(x, y) : y; }
};

/// The head dim of a Q, K or V operand: dim 3 of [b, heads, s, d], or hidden / heads of
/// [b, s, hidden]; kDynamic when not static.
int64_t headDimOf(RankedTensorType t, bool packed, int64_t heads) {
  if (!packed)
    return t.getDimSize(3);
  int64_t hidden = t.getDimSize(2);
  return ShapedType::isDynamic(hidden) || hidden % heads ? ShapedType::kDynamic : hidden / heads;
}

/// [b, s, heads * d] -> [b, heads, s, d].
Value toHeads(Builder &b, Value x, int64_t heads) {
  return b.transpose(b.reshape(x, {0, 0, heads, -1}), {0, 2, 1, 3});
}

/// Each KV head repeated `reps` times in place ([h0, h0, h1, h1, ...]), as ONNX's GQA does.
Value repeatHeads(Builder &b, Value x, int64_t reps, int64_t heads, int64_t headDim) {
  if (reps == 1)
    return x;
  Value expanded = b.f<onnx::UnsqueezeOp>(x, b.i64s({2}));
  Value tiled = b.f<onnx::TileOp>(expanded, b.i64s({1, 1, reps, 1, 1}));
  return b.reshape(tiled, {0, heads, -1, headDim});
}

struct ExpandAttention : OpRewritePattern<onnx::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::AttentionOp op, PatternRewriter &rewriter) const override {
    auto q = dyn_cast<RankedTensorType>(op.getQ().getType());
    auto k = dyn_cast<RankedTensorType>(op.getK().getType());
    if (!q || !k || (q.getRank() != 3 && q.getRank() != 4) || k.getRank() != q.getRank())
      return rewriter.notifyMatchFailure(op, "Q and K are not both 3-D or both 4-D");
    if (!isa<FloatType>(q.getElementType()))
      return rewriter.notifyMatchFailure(op, "Q is not a float tensor");
    bool packed = q.getRank() == 3;
    int64_t hq = packed ? (op.getQNumHeads() ? (int64_t)*op.getQNumHeads() : 0) : q.getDimSize(1);
    int64_t hkv =
        packed ? (op.getKvNumHeads() ? (int64_t)*op.getKvNumHeads() : 0) : k.getDimSize(1);
    if (hq <= 0 || hkv <= 0 || hq % hkv)
      return rewriter.notifyMatchFailure(op, "head counts are not static, or the query heads "
                                             "are not a multiple of the key/value heads");

    auto v = dyn_cast<RankedTensorType>(op.getV().getType());
    int64_t headDim = headDimOf(q, packed, hq), keyDim = headDimOf(k, packed, hkv),
            valueDim = v && v.getRank() == q.getRank() ? headDimOf(v, packed, hkv)
                                                        : ShapedType::kDynamic;
    if (ShapedType::isDynamic(headDim) || ShapedType::isDynamic(keyDim) ||
        ShapedType::isDynamic(valueDim))
      return rewriter.notifyMatchFailure(op, "head dims are not static");
    if (!op.getQkMatmulOutput().use_empty() && op.getQkMatmulOutputMode() > 3)
      return rewriter.notifyMatchFailure(op, "qk_matmul_output_mode is not 0-3");
    FailureOr<int64_t> padding = maskPadding(op);
    if (failed(padding))
      return rewriter.notifyMatchFailure(op, "the mask has no key axis or is longer than the "
                                             "keys");

    Builder b{rewriter, op.getLoc(), q.getElementType()};
    Value qh = op.getQ(), kh = op.getK(), vh = op.getV();
    if (packed) {
      qh = toHeads(b, qh, hq);
      kh = toHeads(b, kh, hkv);
      vh = toHeads(b, vh, hkv);
    }

    // The KV cache: present = Concat(past, new) on the sequence axis.
    Value presentK = kh, presentV = vh;
    if (op.getPastKey())
      presentK = b.f<onnx::ConcatOp>(ValueRange{op.getPastKey(), kh}, rewriter.getI64IntegerAttr(2));
    if (op.getPastValue())
      presentV =
          b.f<onnx::ConcatOp>(ValueRange{op.getPastValue(), vh}, rewriter.getI64IntegerAttr(2));

    // ONNX scales Q and K each by sqrt(scale).
    double scale = op.getScale() ? op.getScale()->convertToDouble() : 1.0 / std::sqrt(headDim);
    Value factor = b.scalar(std::sqrt(scale));
    Value keys = repeatHeads(b, presentK, hq / hkv, hq, keyDim);
    Value values = repeatHeads(b, presentV, hq / hkv, hq, valueDim);
    Value scaledQ = b.f<onnx::MulOp>(qh, factor);
    Value scaledKT = b.transpose(b.f<onnx::MulOp>(keys, factor), {0, 1, 3, 2});
    Value scores = b.f<onnx::MatMulOp>(scaledQ, scaledKT);

    Value bias = buildBias(b, op, *padding, qh, presentK);
    Value withBias = bias ? b.add(scores, bias) : scores;
    Value capped = withBias;
    if (double cap = op.getSoftcap().convertToDouble(); cap > 0) {
      Value c = b.scalar(cap);
      capped = b.f<onnx::MulOp>(b.f<onnx::TanhOp>(b.f<onnx::DivOp>(withBias, c)), c);
    }
    Value probs = b.f<onnx::SoftmaxOp>(capped, rewriter.getI64IntegerAttr(-1));
    Value y = b.f<onnx::MatMulOp>(probs, values);
    if (packed)
      y = b.reshape(b.transpose(y, {0, 2, 1, 3}), {0, 0, -1});

    Value qk[] = {scores, withBias, capped, probs};
    if (!op.getQkMatmulOutput().use_empty())
      rewriter.replaceAllUsesWith(op.getQkMatmulOutput(), qk[op.getQkMatmulOutputMode()]);
    rewriter.replaceAllUsesWith(op.getY(), y);
    rewriter.replaceAllUsesWith(op.getPresentKey(), presentK);
    rewriter.replaceAllUsesWith(op.getPresentValue(), presentV);
    rewriter.eraseOp(op);
    return success();
  }

  /// How many -inf columns pad the mask to the key length (ONNX lets it be shorter): 0 when
  /// there is no mask or the lengths are known equal, kDynamic when only the run time knows;
  /// failure when the mask has no last dim or is statically longer than the keys.
  static FailureOr<int64_t> maskPadding(onnx::AttentionOp op) {
    Value mask = op.getAttnMask();
    if (!mask)
      return 0;
    auto maskType = dyn_cast<RankedTensorType>(mask.getType());
    if (!maskType || maskType.getRank() == 0)
      return failure();
    int64_t maskLen = maskType.getDimSize(maskType.getRank() - 1);
    int64_t seqDim = cast<RankedTensorType>(op.getK().getType()).getRank() == 3 ? 1 : 2;
    if (onnx::dimsKnownEqual({onnx::kDynamic, mask, maskType.getRank() - 1},
                             {onnx::kDynamic, op.getK(), seqDim}) &&
        !op.getPastKey())
      return 0;
    int64_t total = cast<RankedTensorType>(op.getK().getType()).getDimSize(seqDim);
    if (Value past = op.getPastKey()) {
      auto pastType = dyn_cast<RankedTensorType>(past.getType());
      total = pastType && pastType.getRank() == 4 && !ShapedType::isDynamic(total) &&
                      !pastType.isDynamicDim(2)
                  ? total + pastType.getDimSize(2)
                  : ShapedType::kDynamic;
    }
    if (ShapedType::isDynamic(maskLen) || ShapedType::isDynamic(total))
      return ShapedType::kDynamic;
    if (maskLen > total)
      return failure();
    return total - maskLen;
  }

  /// The additive bias on the scores [.., q, total]: the mask (padded with -inf to the key
  /// length), the causal mask aligned to the past length, and the nonpad_kv_seqlen padding.
  /// Null when there is none.
  static Value buildBias(Builder &b, onnx::AttentionOp op, int64_t padding, Value qh,
                         Value keys) {
    Value bias;
    if (Value mask = op.getAttnMask()) {
      auto maskType = cast<RankedTensorType>(mask.getType());
      if (maskType.getElementType().isInteger(1))
        mask = b.bias(mask);
      if (padding) {
        // pads = [0, ..., 0, keys - mask] (the end of the last axis), read at run time when
        // either length is dynamic.
        SmallVector<int64_t> zeros(2 * maskType.getRank() - 1, 0);
        Value pads;
        if (ShapedType::isDynamic(padding)) {
          Value keyLen = b.length(keys, 2);
          Value maskLen = b.length(mask, maskType.getRank() - 1);
          Value width = b.make<onnx::SubOp>(b.b.getI64Type(), keyLen, maskLen);
          pads = b.make<onnx::ConcatOp>(
              b.b.getI64Type(),
              ValueRange{b.i64s(zeros),
                         b.make<onnx::UnsqueezeOp>(b.b.getI64Type(), width, b.i64s({0}))},
              b.b.getI64IntegerAttr(0));
        } else {
          zeros.push_back(padding);
          pads = b.i64s(zeros);
        }
        mask = b.f<onnx::PadOp>(mask, pads, b.negInf(), Value(), b.b.getStringAttr("constant"));
      }
      bias = mask;
    }
    if (!op.getIsCausal() && !op.getNonpadKvSeqlen())
      return bias;
    Value keyPos = b.positions(b.length(keys, 2));
    if (op.getIsCausal()) {
      // Key j is hidden from query i when j > i + past.
      Value queryPos = b.make<onnx::UnsqueezeOp>(b.b.getI64Type(),
                                                 b.positions(b.length(qh, 2)), b.i64s({1}));
      if (op.getPastKey())
        queryPos = b.make<onnx::AddOp>(b.b.getI64Type(), queryPos, b.length(op.getPastKey(), 2));
      Value keep = b.make<onnx::LessOrEqualOp>(b.b.getI1Type(), keyPos, queryPos);
      bias = b.add(bias, b.bias(keep));
    }
    if (Value lengths = op.getNonpadKvSeqlen()) {
      Value perRow = b.make<onnx::UnsqueezeOp>(b.b.getI64Type(), lengths, b.i64s({1}));
      Value keep = b.make<onnx::LessOp>(b.b.getI1Type(), keyPos, perRow);
      bias = b.add(bias, b.f<onnx::UnsqueezeOp>(b.bias(keep), b.i64s({1, 2})));
    }
    return bias;
  }
};

struct ExpandONNXAttentionPass
    : kiln::impl::ExpandONNXAttentionBase<ExpandONNXAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandAttention>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
