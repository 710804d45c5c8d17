//===- RaiseAttention.cpp - kiln-raise-attention --------------------------===//
//
// Self-attention as exporters spell it out, anchored on the Softmax:
//
//   P = Softmax(scale · (Q · Kᵀ) [+ mask | Where(bool mask, ·, -big)], axis = -1)
//       (or c · tanh(scale / c · Q · Kᵀ) + mask: a soft-capped score, Gemma 2)
//   O = P · V                      [then Transpose(0, 2, 1, 3) to merge heads]
//
// Variation absorbed on the way: scalar factors anywhere on the scores, on Q or on K (before
// or after K's transpose; Div by c or Mul by 1/c, √scale on both) multiply into one `scale`;
// the head-split transposes of Q, K and V and the head-merge transpose of O fold into the
// operands' layouts (bshd instead of bhsd, no transpose materialised); Kᵀ may be one
// Transpose(0, 2, 3, 1) of [B, S, H, D] or Transpose(0, 1, 3, 2) of [B, H, S, D] (also when
// spelled through a [B*H, S, D] reshape, see HeadLayout.cpp); K and V heads repeated for
// grouped-query attention fold back to the KV head count; a mask that is the causal mask
// (DiagonalMask.h), alone or added to another, becomes `causal`; a boolean mask (or its
// Where(mask, 0, -big) addend) is split into position terms, which become `causal` and
// `window`, and query-independent padding terms, which stay the operand (AttentionMask.h);
// Casts up to f32 around the
// Softmax and the NaN guard Where(IsNaN(P), 0, P) after it are looked through. The mask must
// not depend on the scores (a mask computed from the values is not a mask) and must not be
// scaled. Anything else is left alone with the reason, for the fusion report.
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/AttentionMask.h"
#include "passes/Fusion/DiagonalMask.h"
#include "passes/Fusion/FusionUtils.h"
#include "passes/Passes.h"

#include "dialects/ONNX/SymbolicDims.h"

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

int64_t headsDim(tfm::Layout layout) { return layout == tfm::Layout::bhsd ? 1 : 2; }
int64_t seqDim(tfm::Layout layout) { return layout == tfm::Layout::bhsd ? 2 : 1; }

/// A [B, H, S, D] operand, looking through scalar factors (into `scale`) and the head-split
/// transpose of a [B, S, H, D] tensor (layout bshd); for K and V (`kv`) also through the
/// repetition of grouped-query heads.
HeadsOperand headsOperand(Value v, double &scale, bool kv) {
  v = peelScalarFactors(v, scale);
  HeadsOperand result{v, tfm::Layout::bhsd};
  if (auto t = v.getDefiningOp<onnx::TransposeOp>();
      t && hasPerm(t, {0, 2, 1, 3}) && isRank(t.getData(), 4))
    result = {peelScalarFactors(t.getData(), scale), tfm::Layout::bshd};
  if (kv)
    result.value = foldRepeatedHeads(result.value, headsDim(result.layout));
  return result;
}

/// K from Kᵀ = [B, H, D, Skv].
std::optional<HeadsOperand> keyFromTransposed(Value kt, double &scale) {
  kt = peelScalarFactors(kt, scale);
  auto t = kt.getDefiningOp<onnx::TransposeOp>();
  if (!t || !isRank(t.getData(), 4))
    return std::nullopt;
  if (hasPerm(t, {0, 2, 3, 1})) {
    Value k = peelScalarFactors(t.getData(), scale);
    return HeadsOperand{foldRepeatedHeads(k, headsDim(tfm::Layout::bshd)), tfm::Layout::bshd};
  }
  if (hasPerm(t, {0, 1, 3, 2}))
    return headsOperand(t.getData(), scale, /*kv=*/true);
  return std::nullopt;
}

Type elementType(Value v) { return cast<ShapedType>(v.getType()).getElementType(); }

/// `v` before a Cast that widens a float to f32 (exporters compute softmax of f16 scores in
/// f32; tfm.attention does that by definition).
Value lookThroughUpcast(Value v) {
  auto cast = v.getDefiningOp<onnx::CastOp>();
  if (cast && cast->hasOneUse() && elementType(v).isF32() &&
      isa<Float16Type, BFloat16Type>(elementType(cast.getInput())))
    return cast.getInput();
  return v;
}

/// The op that multiplies the probabilities `p` by V, looking through the NaN guard
/// Where(IsNaN(P), 0, P) (tfm.attention's fully masked rows are zeros already) and a Cast back
/// to `scoresType` when the softmax was computed wider.
Operation *probabilitiesUser(Value p, Type scoresType) {
  for (int step = 0; step < 4; ++step) {
    if (Operation *user = soleUser(p)) {
      auto cast = dyn_cast<onnx::CastOp>(user);
      bool noOp = cast && elementType(cast.getOutput()) == elementType(p);
      if (!cast || (!noOp && (elementType(p) == scoresType ||
                              elementType(cast.getOutput()) != scoresType)))
        return user;
      p = cast.getOutput();
      continue;
    }
    // Two users: IsNaN(P) feeding only Where(that, 0, P).
    SmallVector<Operation *> users(p.getUsers());
    if (users.size() != 2)
      return nullptr;
    auto isNaN = dyn_cast<onnx::IsNaNOp>(users[0]) ? users[0] : users[1];
    auto where = dyn_cast_or_null<onnx::WhereOp>(isNaN == users[0] ? users[1] : users[0]);
    if (!isa<onnx::IsNaNOp>(isNaN) || !where || !isNaN->hasOneUse() ||
        where.getCondition() != isNaN->getResult(0) || where.getY() != p ||
        !isScalar(where.getX(), 0.0))
      return nullptr;
    p = where.getOutput();
  }
  return nullptr;
}

/// Whether `mask` (boolean: true keeps a score; else added to the scores) is exactly
/// tfm.attention's causal mask for these Q and K: kept where j - i <= Skv - Sq.
bool isCausalMask(Value mask, const HeadsOperand &q, const HeadsOperand &k) {
  auto type = dyn_cast<RankedTensorType>(mask.getType());
  if (!type || type.getRank() < 2 || type.getShape()[type.getRank() - 1] == 1 ||
      type.getShape()[type.getRank() - 2] == 1)
    return false;
  std::optional<DiagonalMask> m = matchDiagonalMask(mask);
  if (!m)
    return false;
  bool keepsInside = type.getElementType().isInteger(1)
                         ? m->inside != 0 && m->outside == 0
                         : m->inside == 0 && m->outside <= -1e4;
  if (!keepsInside)
    return false;
  onnx::DimValue sq{onnx::kDynamic, q.value, seqDim(q.layout)};
  onnx::DimValue skv{onnx::kDynamic, k.value, seqDim(k.layout)};
  if (m->diagonal == 0 && onnx::dimsKnownEqual(sq, skv))
    return true;
  onnx::DimValue rq = onnx::getDimRoot(sq), rk = onnx::getDimRoot(skv);
  return rq.isStatic() && rk.isStatic() && m->diagonal == rk.value - rq.value;
}

/// The Q·Kᵀ MatMul of the scores `v`: under scalar factors (multiplied into `scale`), or under
/// a soft-cap `c·tanh(f·Q·Kᵀ)` (Gemma 2), where c -- the factors outside the tanh, `scale`
/// included -- becomes `softcap` and `scale` becomes f·c (tfm's softcap(scale·Q·Kᵀ)).
onnx::MatMulOp scoresMatMul(Value v, double &scale, double &softcap) {
  double outer = 1.0;
  Value x = peelScalarFactors(v, outer);
  auto tanh = x.getDefiningOp<onnx::TanhOp>();
  if (!tanh || !x.hasOneUse()) {
    scale *= outer;
    return x.getDefiningOp<onnx::MatMulOp>();
  }
  double cap = scale * outer, inner = 1.0;
  auto qk = peelScalarFactors(tanh.getInput(), inner).getDefiningOp<onnx::MatMulOp>();
  if (!qk || !(cap > 0))
    return nullptr;
  softcap = cap, scale = inner * cap;
  return qk;
}

/// The addends of `v` through nested single-use Adds (a + (b + c) and (a + b) + c alike).
void collectAddends(Value v, SmallVectorImpl<Value> &terms, int depth = 0) {
  auto add = v.getDefiningOp<onnx::AddOp>();
  if (!add || depth > 4 || (depth > 0 && !v.hasOneUse())) {
    terms.push_back(v);
    return;
  }
  collectAddends(add.getA(), terms, depth + 1);
  collectAddends(add.getB(), terms, depth + 1);
}

/// `x` when `cond` is Not(x) (through bool Casts), else null.
Value negatedCondition(Value cond) {
  while (auto cast = cond.getDefiningOp<onnx::CastOp>()) {
    if (!elementType(cast.getInput()).isInteger(1))
      break;
    cond = cast.getInput();
  }
  auto notOp = cond.getDefiningOp<onnx::NotOp>();
  return notOp ? notOp.getX() : Value();
}

/// One mask from additive terms and boolean keep terms: the sum of the additive terms plus
/// Where(all keep terms, 0, -inf); the keep terms alone stay boolean.
Value combineMaskTerms(PatternRewriter &rewriter, Location loc, ArrayRef<Value> additive,
                       ArrayRef<Value> keep, Type element) {
  if (additive.empty())
    return buildConjunction(rewriter, loc, keep);
  Value sum = additive.front();
  for (Value term : additive.drop_front())
    sum = createInferred<onnx::AddOp>(rewriter, loc, element, sum, term);
  if (keep.empty())
    return sum;
  auto scalar = RankedTensorType::get({}, element);
  auto constant = [&](double v) -> Value {
    return onnx::ConstantOp::create(rewriter, loc, scalar,
                                    DenseElementsAttr::get(scalar, FloatAttr::get(element, v)));
  };
  Value padding = createInferred<onnx::WhereOp>(rewriter, loc, element,
                                                buildConjunction(rewriter, loc, keep),
                                                constant(0.0),
                                                constant(-std::numeric_limits<double>::infinity()));
  return createInferred<onnx::AddOp>(rewriter, loc, element, sum, padding);
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
    Value scores = lookThroughUpcast(softmax.getInput());
    if (!isRank(scores, 4))
      return rewriter.notifyMatchFailure(softmax, "the scores are not 4-D");
    int64_t axis = (int64_t)softmax.getAxis();
    if (axis != -1 && axis != 3)
      return rewriter.notifyMatchFailure(softmax, "softmax is not over the last (key) axis");
    auto pv = dyn_cast_or_null<onnx::MatMulOp>(
        probabilitiesUser(softmax.getResult(), elementType(scores)));
    if (!pv)
      return rewriter.notifyMatchFailure(softmax, "the probabilities are not only multiplied by V");

    // The mask: a Where around the (scaled) scores, addends of them not themselves scaled, or
    // both (DeBERTa: masked_fill around Q·Kᵀ plus relative-position terms). Several addends
    // (ALiBi + causal/padding mask) are summed into one mask below.
    double outerScale = 1.0;
    Value chain = peelScalarFactors(scores, outerScale);
    SmallVector<Value> maskTerms;
    Value keep; // the Where's condition (true: kept)
    std::optional<double> fill; // and its masked-out value
    if (auto where = chain.getDefiningOp<onnx::WhereOp>(); where && chain.hasOneUse()) {
      if (isMaskedOutValue(where.getY())) {
        chain = where.getX(), keep = where.getCondition(), fill = scalarConstant(where.getY());
      } else if (Value kept = negatedCondition(where.getCondition());
                 kept && isMaskedOutValue(where.getX())) {
        // Where(Not(keep), -big, scores): masked_fill of the padded positions (DeBERTa).
        chain = where.getY(), keep = kept, fill = scalarConstant(where.getX());
      } else {
        return rewriter.notifyMatchFailure(softmax, "Where does not mask out with a large "
                                                    "negative value");
      }
    }
    if (auto add = chain.getDefiningOp<onnx::AddOp>(); add && chain.hasOneUse()) {
      SmallVector<Value> addends;
      collectAddends(chain, addends);
      Value qkTerm;
      for (Value term : addends) {
        double f = 1.0, cap = 0.0;
        // One value added to every score (DeBERTa's `+ 0` of a missing bias) shifts each row
        // alike, which the softmax does not see.
        auto t = dyn_cast<RankedTensorType>(term.getType());
        if (t && t.hasStaticShape() && t.getNumElements() == 1)
          continue;
        if (!qkTerm && scoresMatMul(term, f, cap))
          qkTerm = term;
        else
          maskTerms.push_back(term);
      }
      if (!qkTerm)
        return rewriter.notifyMatchFailure(softmax, "no addend of the scores is Q·Kᵀ");
      chain = qkTerm;
    }
    // A Where around addends keeps its own semantics: the addends' sum is -inf where it masks
    // out, and `masked_value` turns that -inf into the Where's value.
    std::optional<double> maskedValue;
    if (keep && !maskTerms.empty())
      maskedValue = fill; // a constant: isMaskedOutValue checked it
    else if (keep)
      maskTerms.push_back(keep);
    if (!maskTerms.empty() && outerScale != 1.0)
      return rewriter.notifyMatchFailure(softmax, "the scale multiplies the mask too");
    double scale = outerScale, softcap = 0.0;
    auto qk = scoresMatMul(chain, scale, softcap);
    if (!qk)
      return rewriter.notifyMatchFailure(softmax, "the scores are not a MatMul");
    for (Value term : maskTerms) {
      if (!isRank(term, 4) && !isRank(term, 3) && !isRank(term, 2))
        return rewriter.notifyMatchFailure(softmax, "the mask is not 2-D to 4-D");
      SetVector<Operation *> slice;
      (void)getBackwardSlice(term, &slice);
      if (slice.contains(qk))
        return rewriter.notifyMatchFailure(softmax, "the mask depends on the scores");
    }
    if (maskTerms.size() > 1 &&
        llvm::any_of(maskTerms, [](Value t) { return elementType(t).isInteger(1); }))
      return rewriter.notifyMatchFailure(softmax, "a boolean mask among additive ones");
    HeadsOperand q = headsOperand(qk.getA(), scale, /*kv=*/false);
    std::optional<HeadsOperand> k = keyFromTransposed(qk.getB(), scale);
    double unit = 1.0;
    HeadsOperand v = headsOperand(pv.getB(), unit, /*kv=*/true);
    if (!k)
      return rewriter.notifyMatchFailure(softmax, "Kᵀ is not a transpose of K");
    if (unit != 1.0)
      return rewriter.notifyMatchFailure(softmax, "V is scaled");
    if (!isRank(q.value, 4) || !isRank(k->value, 4) || !isRank(v.value, 4))
      return rewriter.notifyMatchFailure(softmax, "Q, K or V is not 4-D");

    // Position terms of the mask become `causal` and `window`; terms that do not depend on
    // the query position stay the mask operand (AttentionMask.h). With several additive terms
    // (ALiBi + mask), the causal one goes the same way and the rest are summed.
    bool causal = false;
    std::optional<int64_t> window;
    // residual: boolean query-independent terms of a decomposed mask; additive: the terms
    // kept as they are (float addends, or the one boolean mask that did not decompose).
    SmallVector<Value> residual, additive;
    onnx::DimValue sq{onnx::kDynamic, q.value, seqDim(q.layout)};
    onnx::DimValue skv{onnx::kDynamic, k->value, seqDim(k->layout)};
    if (maskedValue)
      additive = maskTerms, residual = {keep};
    for (Value term : maskedValue ? ArrayRef<Value>() : ArrayRef<Value>(maskTerms)) {
      std::optional<MaskAttributes> attrs =
          causal ? std::nullopt : maskAsAttributes(term, sq, skv);
      if (attrs && (attrs->causal || maskTerms.size() == 1)) {
        causal = attrs->causal, window = attrs->window, residual = attrs->residual;
      } else if (!causal && isCausalMask(term, q, *k)) {
        causal = true;
      } else if (auto add = maskTerms.size() == 1 && !causal ? term.getDefiningOp<onnx::AddOp>()
                                                             : nullptr) {
        // A float mask that is causal + something keeps only the something.
        for (int i = 0; i < 2 && !causal; ++i)
          if (isCausalMask(add->getOperand(i), q, *k) &&
              isa<RankedTensorType>(add->getOperand(1 - i).getType()))
            causal = true, additive.push_back(add->getOperand(1 - i));
        if (!causal)
          additive.push_back(term);
      } else {
        additive.push_back(term);
      }
    }
    // The operand to verify with: every term broadcasts to the scores alike.
    Value mask = !additive.empty() ? additive.front() : !residual.empty() ? residual.front()
                                                                          : Value();

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
    if (causal)
      attrs.push_back(rewriter.getNamedAttr("causal", rewriter.getUnitAttr()));
    if (window)
      attrs.push_back(rewriter.getNamedAttr("window", rewriter.getI64IntegerAttr(*window)));
    if (softcap > 0)
      attrs.push_back(rewriter.getNamedAttr("softcap", rewriter.getF32FloatAttr(float(softcap))));
    if (maskedValue)
      attrs.push_back(
          rewriter.getNamedAttr("masked_value", rewriter.getF32FloatAttr(float(*maskedValue))));
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
    // Several query-independent terms: their conjunction (verified above through the first,
    // as they all broadcast to [B, H, 1, Skv]).
    if (additive.size() + residual.size() > 1)
      attention.getMaskMutable().assign(
          combineMaskTerms(rewriter, softmax.getLoc(), additive, residual, elementType(scores)));
    rewriter.insert(attention);
    rewriter.replaceOp(replaced, attention.getResult());
    return success();
  }
};

struct RaiseAttentionPass : kiln::impl::RaiseAttentionBase<RaiseAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<AttentionFromSoftmax>(&getContext());
    populateHeadLayoutPatterns(patterns);
    populateMergedHeadPatterns(patterns);
    if (failed(applyAndRecordMisses(getOperation(), std::move(patterns), [](Operation *op) {
          return isa<onnx::SoftmaxOp>(op);
        })))
      signalPassFailure();
  }
};

} // namespace
