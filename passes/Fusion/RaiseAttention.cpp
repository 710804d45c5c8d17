//===- RaiseAttention.cpp - kiln-raise-attention --------------------------===//
//
// Self-attention as exporters spell it out, anchored on the Softmax:
//
//   P = Softmax(scale · (Q · Kᵀ) [+ mask | Where(bool mask, ·, -big)], axis = -1)
//   O = P · V                      [then Transpose(0, 2, 1, 3) to merge heads]
//
// Variation absorbed on the way: scalar factors anywhere on the scores, on Q or on K (before
// or after K's transpose; Div by c or Mul by 1/c, √scale on both) multiply into one `scale`;
// the head-split transposes of Q, K and V and the head-merge transpose of O fold into the
// operands' layouts (bshd instead of bhsd, no transpose materialised); Kᵀ may be one
// Transpose(0, 2, 3, 1) of [B, S, H, D] or Transpose(0, 1, 3, 2) of [B, H, S, D]. The mask must
// not depend on the scores (a mask computed from the values is not a mask) and must not be
// scaled. Anything else is left alone with the reason, for the fusion report.
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionUtils.h"
#include "passes/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

namespace kiln {
#define GEN_PASS_DEF_RAISEATTENTION
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::fusion;

namespace {

bool isRank(Value v, int64_t rank) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getRank() == rank;
}

/// Whether `t` permutes with exactly `perm` (an absent perm reverses the dims).
bool hasPerm(onnx::TransposeOp t, ArrayRef<int64_t> perm) {
  if (std::optional<ArrayRef<int64_t>> p = t.getPerm())
    return *p == perm;
  SmallVector<int64_t> reversed(llvm::reverse(llvm::seq<int64_t>(0, int64_t(perm.size()))));
  return ArrayRef<int64_t>(reversed) == perm;
}

struct HeadsOperand {
  Value value;
  tfm::Layout layout = tfm::Layout::bhsd;
};

/// A [B, H, S, D] operand, looking through scalar factors (into `scale`) and the head-split
/// transpose of a [B, S, H, D] tensor (layout bshd).
HeadsOperand headsOperand(Value v, double &scale) {
  v = peelScalarFactors(v, scale);
  if (auto t = v.getDefiningOp<onnx::TransposeOp>();
      t && hasPerm(t, {0, 2, 1, 3}) && isRank(t.getData(), 4))
    return {peelScalarFactors(t.getData(), scale), tfm::Layout::bshd};
  return {v, tfm::Layout::bhsd};
}

/// K from Kᵀ = [B, H, D, Skv].
std::optional<HeadsOperand> keyFromTransposed(Value kt, double &scale) {
  kt = peelScalarFactors(kt, scale);
  auto t = kt.getDefiningOp<onnx::TransposeOp>();
  if (!t || !isRank(t.getData(), 4))
    return std::nullopt;
  if (hasPerm(t, {0, 2, 3, 1}))
    return HeadsOperand{peelScalarFactors(t.getData(), scale), tfm::Layout::bshd};
  if (hasPerm(t, {0, 1, 3, 2}))
    return headsOperand(t.getData(), scale);
  return std::nullopt;
}

/// Whether `v` is a large negative constant, the "masked out" value of a Where mask.
bool isMaskedOutValue(Value v) {
  std::optional<double> c = scalarConstant(v);
  return c && *c <= -1e4;
}

struct AttentionFromSoftmax : OpRewritePattern<onnx::SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::SoftmaxOp softmax,
                                PatternRewriter &rewriter) const override {
    Value scores = softmax.getInput();
    if (!isRank(scores, 4))
      return rewriter.notifyMatchFailure(softmax, "the scores are not 4-D");
    int64_t axis = (int64_t)softmax.getAxis();
    if (axis != -1 && axis != 3)
      return rewriter.notifyMatchFailure(softmax, "softmax is not over the last (key) axis");
    auto pv = dyn_cast_or_null<onnx::MatMulOp>(soleUser(softmax.getResult()));
    if (!pv || pv.getA() != softmax.getResult())
      return rewriter.notifyMatchFailure(softmax, "the probabilities are not only multiplied by V");

    // The mask: an addend or a Where around the (scaled) scores, not itself scaled.
    double outerScale = 1.0;
    Value chain = peelScalarFactors(scores, outerScale);
    Value mask;
    if (auto add = chain.getDefiningOp<onnx::AddOp>(); add && chain.hasOneUse()) {
      for (int i = 0; i < 2 && !mask; ++i) {
        double f = 1.0;
        if (peelScalarFactors(add->getOperand(i), f).getDefiningOp<onnx::MatMulOp>())
          chain = add->getOperand(i), mask = add->getOperand(1 - i);
      }
      if (!mask)
        return rewriter.notifyMatchFailure(softmax, "neither addend of the scores is Q·Kᵀ");
    } else if (auto where = chain.getDefiningOp<onnx::WhereOp>(); where && chain.hasOneUse()) {
      if (!isMaskedOutValue(where.getY()))
        return rewriter.notifyMatchFailure(softmax, "Where does not mask out with a large "
                                                    "negative value");
      chain = where.getX(), mask = where.getCondition();
    }
    if (mask && outerScale != 1.0)
      return rewriter.notifyMatchFailure(softmax, "the scale multiplies the mask too");
    double scale = outerScale;
    auto qk = peelScalarFactors(chain, scale).getDefiningOp<onnx::MatMulOp>();
    if (!qk)
      return rewriter.notifyMatchFailure(softmax, "the scores are not a MatMul");
    if (mask) {
      if (!isRank(mask, 4) && !isRank(mask, 3) && !isRank(mask, 2))
        return rewriter.notifyMatchFailure(softmax, "the mask is not 2-D to 4-D");
      SetVector<Operation *> slice;
      (void)getBackwardSlice(mask, &slice);
      if (slice.contains(qk))
        return rewriter.notifyMatchFailure(softmax, "the mask depends on the scores");
    }

    HeadsOperand q = headsOperand(qk.getA(), scale);
    std::optional<HeadsOperand> k = keyFromTransposed(qk.getB(), scale);
    double unit = 1.0;
    HeadsOperand v = headsOperand(pv.getB(), unit);
    if (!k)
      return rewriter.notifyMatchFailure(softmax, "Kᵀ is not a transpose of K");
    if (unit != 1.0)
      return rewriter.notifyMatchFailure(softmax, "V is scaled");
    if (!isRank(q.value, 4) || !isRank(k->value, 4) || !isRank(v.value, 4))
      return rewriter.notifyMatchFailure(softmax, "Q, K or V is not 4-D");

    // The output, and the head-merge transpose folded into its layout.
    Operation *replaced = pv;
    auto outLayout = tfm::Layout::bhsd;
    if (auto t = dyn_cast_or_null<onnx::TransposeOp>(soleUser(pv.getResult()));
        t && hasPerm(t, {0, 2, 1, 3}))
      replaced = t, outLayout = tfm::Layout::bshd;
    auto outType = dyn_cast<RankedTensorType>(replaced->getResult(0).getType());
    if (!outType || outType.getElementType() != cast<ShapedType>(q.value.getType()).getElementType())
      return rewriter.notifyMatchFailure(softmax, "the output type is not a float tensor like Q");

    MLIRContext *ctx = rewriter.getContext();
    auto layout = [&](tfm::Layout l) { return tfm::LayoutAttr::get(ctx, l); };
    SmallVector<NamedAttribute> attrs = {
        rewriter.getNamedAttr("query_layout", layout(q.layout)),
        rewriter.getNamedAttr("key_layout", layout(k->layout)),
        rewriter.getNamedAttr("value_layout", layout(v.layout)),
        rewriter.getNamedAttr("output_layout", layout(outLayout)),
        rewriter.getNamedAttr("scale", rewriter.getF32FloatAttr(float(scale)))};
    SmallVector<Value> operands = {q.value, k->value, v.value};
    if (mask)
      operands.push_back(mask);
    // Built detached and verified quietly first: shapes that do not fit (heads that do not
    // divide, mismatched head dims) are a reason to report, not an error.
    OpBuilder detached(ctx);
    auto attention = tfm::AttentionOp::create(detached, softmax.getLoc(), TypeRange{outType},
                                              operands, attrs);
    {
      ScopedDiagnosticHandler quiet(ctx, [](Diagnostic &) { return success(); });
      if (failed(mlir::verify(attention, /*verifyRecursively=*/false))) {
        attention->destroy();
        return rewriter.notifyMatchFailure(softmax,
                                           "the operands' shapes do not fit tfm.attention");
      }
    }
    rewriter.setInsertionPoint(replaced);
    rewriter.insert(attention);
    rewriter.replaceOp(replaced, attention.getResult());
    return success();
  }
};

struct RaiseAttentionPass : kiln::impl::RaiseAttentionBase<RaiseAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<AttentionFromSoftmax>(&getContext());
    if (failed(applyAndRecordMisses(getOperation(), std::move(patterns), [](Operation *op) {
          return isa<onnx::SoftmaxOp>(op);
        })))
      signalPassFailure();
  }
};

} // namespace
