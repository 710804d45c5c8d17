//===- RaiseRotaryEmbedding.cpp - kiln-raise-rotary-embedding -------------===//
//
// Rotary position embeddings reach Kiln as ops (ONNX RotaryEmbedding, opset 23; ONNX
// Runtime's com.microsoft RotaryEmbedding) or spelled out by the exporter:
//
//   y = x · cos + rotate_half(x) · sin,   rotate_half(x) = Concat(-x[.., h:], x[.., :h])
//
// with the halves taken by two Slices or one Split, or GPT-J's interleaved rotate_every_two
// (stack((-x[.., 1::2], x[.., ::2]), -1).flatten(-2)); the products in either operand order,
// and the tables any tensors that broadcast against x with one angle per feature. A partial
// rotation, Concat(rotary(x[.., :R]), x[.., R:]), widens into one op with `rotary_dim = R`.
// The ops' caches (one angle per pair, looked up by position_ids) become the op's tables with
// a Gather and an Unsqueeze onto the heads dim; 3-D [batch, seq, hidden] inputs are viewed as
// [batch, seq, heads, head_dim]. Ops left alone carry `kiln.fusion_miss` with the reason.
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionUtils.h"
#include "passes/Passes.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/ShapeHelpers.h"
#include "dialects/ONNX/SymbolicDims.h"
#include "dialects/TFM/TFMDialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

namespace kiln {
#define GEN_PASS_DEF_RAISEROTARYEMBEDDING
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::fusion;

namespace {

RankedTensorType rankedType(Value v) { return dyn_cast_or_null<RankedTensorType>(v.getType()); }

/// The static size of the last dim of `v`, or nullopt.
std::optional<int64_t> lastDim(Value v) {
  auto t = rankedType(v);
  if (!t || t.getRank() == 0 || t.isDynamicDim(t.getRank() - 1))
    return std::nullopt;
  return t.getShape().back();
}

bool isLastAxis(int64_t axis, Value v) {
  auto t = rankedType(v);
  return t && onnx::normalizeAxis(axis, t.getRank()) == t.getRank() - 1;
}

/// `v` = x[.., begin:end:step] along the last axis (end clamped to the dim).
bool isLastAxisSlice(Value v, Value x, int64_t begin, int64_t end, int64_t step = 1) {
  auto slice = v.getDefiningOp<onnx::SliceOp>();
  if (!slice || slice.getData() != x)
    return false;
  auto starts = onnx::getConstantInts(slice.getStarts());
  auto ends = onnx::getConstantInts(slice.getEnds());
  std::optional<SmallVector<int64_t>> axes =
      slice.getAxes() ? onnx::getConstantInts(slice.getAxes()) : SmallVector<int64_t>{0};
  std::optional<SmallVector<int64_t>> steps =
      slice.getSteps() ? onnx::getConstantInts(slice.getSteps()) : SmallVector<int64_t>{1};
  if (!starts || !ends || !axes || !steps || starts->size() != 1 || ends->size() != 1 ||
      axes->size() != 1 || steps->size() != 1 || (*steps)[0] != step ||
      !isLastAxis((*axes)[0], x) || (*starts)[0] != begin)
    return false;
  return (*ends)[0] == end || ((*ends)[0] > end && lastDim(x) == end);
}

/// x when `v` = Reshape(Concat(Unsqueeze(-x[.., 1::2], -1), Unsqueeze(x[.., ::2], -1), -1))
/// back to x's shape: GPT-J's rotate_every_two, stack((-x_odd, x_even), -1).flatten(-2).
Value rotateInterleavedSource(Value v) {
  auto reshape = v.getDefiningOp<onnx::ReshapeOp>();
  auto concat = reshape ? reshape.getData().getDefiningOp<onnx::ConcatOp>() : nullptr;
  if (!concat || concat.getInputs().size() != 2 || !isLastAxis(concat.getAxis(), concat.getResult()))
    return {};
  Value halves[2];
  for (int i = 0; i < 2; ++i) {
    auto unsqueeze = concat.getInputs()[i].getDefiningOp<onnx::UnsqueezeOp>();
    auto axes = unsqueeze ? onnx::getConstantInts(unsqueeze.getAxes()) : std::nullopt;
    if (!axes || axes->size() != 1 || !isLastAxis((*axes)[0], unsqueeze.getExpanded()))
      return {};
    halves[i] = unsqueeze.getData();
  }
  auto neg = halves[0].getDefiningOp<onnx::NegOp>();
  auto even = halves[1].getDefiningOp<onnx::SliceOp>();
  if (!neg || !even)
    return {};
  Value x = even.getData();
  std::optional<int64_t> d = lastDim(x);
  auto xType = rankedType(x), vType = rankedType(v);
  if (!d || *d % 2 != 0 || !xType || !vType || xType.getRank() != vType.getRank() ||
      lastDim(v) != d || !isLastAxisSlice(halves[1], x, 0, *d, 2) ||
      !isLastAxisSlice(neg.getX(), x, 1, *d, 2))
    return {};
  for (int64_t i = 0; i + 1 < xType.getRank(); ++i)
    if (!onnx::dimsKnownEqual({onnx::kDynamic, v, i}, {onnx::kDynamic, x, i}))
      return {};
  return x;
}

/// x when `v` = Concat(-x[.., h:], x[.., :h]) over the last axis of a static even dim 2h.
Value rotateHalfSource(Value v) {
  auto concat = v.getDefiningOp<onnx::ConcatOp>();
  if (!concat || concat.getInputs().size() != 2 || !isLastAxis(concat.getAxis(), v))
    return {};
  auto neg = concat.getInputs()[0].getDefiningOp<onnx::NegOp>();
  Value firstHalf = concat.getInputs()[1];
  if (!neg)
    return {};
  Value secondHalf = neg.getX();
  // One Split into two halves.
  if (auto split = secondHalf.getDefiningOp<onnx::SplitOp>()) {
    Value x = split.getInput();
    std::optional<int64_t> d = lastDim(x);
    if (split.getNumResults() != 2 || firstHalf != split.getResult(0) ||
        secondHalf != split.getResult(1) || !isLastAxis(split.getAxis(), x) || !d ||
        *d % 2 != 0 || lastDim(firstHalf) != *d / 2)
      return {};
    return x;
  }
  // Two Slices.
  auto slice = firstHalf.getDefiningOp<onnx::SliceOp>();
  if (!slice)
    return {};
  Value x = slice.getData();
  std::optional<int64_t> d = lastDim(x);
  if (!d || *d % 2 != 0 || !isLastAxisSlice(firstHalf, x, 0, *d / 2) ||
      !isLastAxisSlice(secondHalf, x, *d / 2, *d))
    return {};
  return x;
}

/// Ops built detached, inserted together once the whole rewrite is known to apply (a pattern
/// must not change the IR and then fail).
struct DetachedOps {
  explicit DetachedOps(MLIRContext *ctx) : builder(ctx) {}
  ~DetachedOps() {
    for (Operation *op : llvm::reverse(ops))
      op->destroy();
  }
  /// An onnx op with its result type from shape inference.
  template <typename OpTy, typename... Args> Value inferred(Location loc, Type element, Args &&...args) {
    return track(createInferred<OpTy>(builder, loc, element, std::forward<Args>(args)...));
  }
  Value i64Constant(Location loc, ArrayRef<int64_t> values) {
    return track(createI64Vector(builder, loc, values));
  }
  Value track(Value v) {
    ops.push_back(v.getDefiningOp());
    return v;
  }
  /// tfm.rotary_embedding, verified quietly: tables that do not fit are a reason to report,
  /// not an error.
  FailureOr<Value> rotary(Location loc, Type resultType, Value x, Value cos, Value sin,
                          bool interleaved, std::optional<int64_t> rotaryDim) {
    if (!rankedType(x) || !rankedType(cos) || !rankedType(sin) || !isa<RankedTensorType>(resultType))
      return failure();
    SmallVector<NamedAttribute> attrs;
    if (interleaved)
      attrs.push_back(builder.getNamedAttr("interleaved", builder.getUnitAttr()));
    if (rotaryDim)
      attrs.push_back(builder.getNamedAttr("rotary_dim", builder.getI64IntegerAttr(*rotaryDim)));
    auto op = tfm::RotaryEmbeddingOp::create(builder, loc, TypeRange{resultType},
                                             ValueRange{x, cos, sin}, attrs);
    ops.push_back(op);
    ScopedDiagnosticHandler quiet(builder.getContext(), [](Diagnostic &) { return success(); });
    if (failed(mlir::verify(op, /*verifyRecursively=*/false)))
      return failure();
    return op.getResult();
  }
  /// Inserts every op before `anchor` and replaces it with `result`.
  void commit(PatternRewriter &rewriter, Operation *anchor, Value result) {
    rewriter.setInsertionPoint(anchor);
    for (Operation *op : ops)
      rewriter.insert(op);
    ops.clear();
    rewriter.replaceOp(anchor, result);
  }

  OpBuilder builder;
  SmallVector<Operation *> ops;
};

/// Add(Mul(x, cos), Mul(rotate(x), sin)), operands in any order, rotate being rotate_half or
/// GPT-J's rotate_every_two (interleaved).
struct RotaryFromSpelledOut : OpRewritePattern<onnx::AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::AddOp add, PatternRewriter &rewriter) const override {
    for (int i = 0; i < 2; ++i) {
      auto direct = add->getOperand(i).getDefiningOp<onnx::MulOp>();
      auto rotated = add->getOperand(1 - i).getDefiningOp<onnx::MulOp>();
      if (!direct || !rotated)
        continue;
      for (int j = 0; j < 2; ++j) {
        Value x = rotateHalfSource(rotated->getOperand(j));
        bool interleaved = !x;
        if (interleaved)
          x = rotateInterleavedSource(rotated->getOperand(j));
        Value sin = rotated->getOperand(1 - j);
        Value cos = otherOperand(direct, x);
        if (!x || !cos || x.getType() != add.getType() || lastDim(cos) != lastDim(x))
          continue;
        DetachedOps build(getContext());
        FailureOr<Value> y =
            build.rotary(add.getLoc(), add.getType(), x, cos, sin, interleaved, std::nullopt);
        if (failed(y))
          continue;
        build.commit(rewriter, add, *y);
        return success();
      }
    }
    return failure();
  }
};

/// Concat(rotary(x[.., :R]), x[.., R:]) -> rotary(x) {rotary_dim = R}.
struct WidenPartialRotary : OpRewritePattern<onnx::ConcatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::ConcatOp concat, PatternRewriter &rewriter) const override {
    if (concat.getInputs().size() != 2 || !isLastAxis(concat.getAxis(), concat.getResult()))
      return failure();
    auto rotary = concat.getInputs()[0].getDefiningOp<tfm::RotaryEmbeddingOp>();
    if (!rotary || rotary.getRotaryDim() || !rotary->hasOneUse())
      return failure();
    auto slice = rotary.getInput().getDefiningOp<onnx::SliceOp>();
    std::optional<int64_t> r = lastDim(rotary.getInput());
    if (!slice || !r)
      return failure();
    Value x = slice.getData();
    std::optional<int64_t> d = lastDim(x);
    if (!d || x.getType() != concat.getType() || !isLastAxisSlice(rotary.getInput(), x, 0, *r) ||
        !isLastAxisSlice(concat.getInputs()[1], x, *r, *d))
      return failure();
    DetachedOps build(getContext());
    FailureOr<Value> y = build.rotary(concat.getLoc(), concat.getType(), x, rotary.getCos(),
                                      rotary.getSin(), rotary.getInterleaved(), *r);
    if (failed(y))
      return failure();
    build.commit(rewriter, concat, *y);
    return success();
  }
};

/// The op forms: X is [B, H, S, D] or [B, S, hidden]; the caches hold one angle per pair,
/// [max_position, R/2] looked up by `positionIds` [B, S], or [B, S, R/2] without them.
LogicalResult raiseCacheForm(PatternRewriter &rewriter, Operation *op, Value x, Value cosCache,
                             Value sinCache, Value positionIds, int64_t numHeads,
                             int64_t rotaryDim, bool interleaved) {
  Location loc = op->getLoc();
  auto xType = rankedType(x);
  auto resultType = rankedType(op->getResult(0));
  if (!xType || !resultType || (xType.getRank() != 3 && xType.getRank() != 4))
    return rewriter.notifyMatchFailure(op, "the input is not 3-D or 4-D");
  Type element = xType.getElementType();
  DetachedOps build(rewriter.getContext());
  int64_t headsAxis = 1;
  Value x4 = x;
  if (xType.getRank() == 3) {
    std::optional<int64_t> pairs = lastDim(cosCache);
    int64_t hidden = xType.getShape()[2];
    if (numHeads <= 0 && rotaryDim <= 0 && pairs && ShapedType::isStatic(hidden) && *pairs > 0)
      numHeads = hidden / (2 * *pairs);
    if (numHeads <= 0 || ShapedType::isDynamic(hidden) || hidden % numHeads != 0)
      return rewriter.notifyMatchFailure(op, "a 3-D input needs num_heads dividing a static "
                                             "hidden size");
    x4 = build.inferred<onnx::ReshapeOp>(loc, element, x,
                                         build.i64Constant(loc, {0, 0, numHeads, -1}),
                                         /*allowzero=*/0);
    headsAxis = 2;
  }
  Value cos = cosCache, sin = sinCache;
  if (positionIds) {
    auto ids = rankedType(positionIds);
    if (!ids || ids.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "position_ids is not [batch, seq] (the offset "
                                             "form is not supported)");
    cos = build.inferred<onnx::GatherOp>(loc, element, cosCache, positionIds, 0);
    sin = build.inferred<onnx::GatherOp>(loc, element, sinCache, positionIds, 0);
  }
  Value axes = build.i64Constant(loc, {headsAxis});
  cos = build.inferred<onnx::UnsqueezeOp>(loc, element, cos, axes);
  sin = build.inferred<onnx::UnsqueezeOp>(loc, element, sin, axes);
  std::optional<int64_t> rotary;
  if (rotaryDim > 0 && lastDim(x4) != rotaryDim)
    rotary = rotaryDim;
  FailureOr<Value> y = build.rotary(loc, x4.getType(), x4, cos, sin, interleaved, rotary);
  if (failed(y))
    return rewriter.notifyMatchFailure(op, "the caches do not fit the input");
  Value result = *y;
  if (xType.getRank() == 3)
    result = build.inferred<onnx::ReshapeOp>(loc, element, result,
                                             build.i64Constant(loc, {0, 0, -1}), 0);
  if (result.getType() != resultType)
    return rewriter.notifyMatchFailure(op, "the result type differs");
  build.commit(rewriter, op, result);
  return success();
}

struct RotaryFromONNXOp : OpRewritePattern<onnx::RotaryEmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::RotaryEmbeddingOp op,
                                PatternRewriter &rewriter) const override {
    return raiseCacheForm(rewriter, op, op.getX(), op.getCosCache(), op.getSinCache(),
                          op.getPositionIds(), op.getNumHeads() ? (int64_t)*op.getNumHeads() : 0,
                          (int64_t)op.getRotaryEmbeddingDim(), op.getInterleaved() != 0);
  }
};

struct RotaryFromMicrosoftOp : OpRewritePattern<onnx::MSRotaryEmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::MSRotaryEmbeddingOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getIsPackedBatching().value_or(0) != 0)
      return rewriter.notifyMatchFailure(op, "packed batching");
    if (op.getScale() && op.getScale()->convertToDouble() != 1.0)
      return rewriter.notifyMatchFailure(op, "a scale other than 1");
    return raiseCacheForm(rewriter, op, op.getInput(), op.getCosCache(), op.getSinCache(),
                          op.getPositionIds(), (int64_t)op.getNumHeads().value_or(0),
                          (int64_t)op.getRotaryEmbeddingDim().value_or(0),
                          op.getInterleaved().value_or(0) != 0);
  }
};

struct RaiseRotaryEmbeddingPass
    : kiln::impl::RaiseRotaryEmbeddingBase<RaiseRotaryEmbeddingPass> {
  using RaiseRotaryEmbeddingBase::RaiseRotaryEmbeddingBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RotaryFromONNXOp, RotaryFromMicrosoftOp>(&getContext());
    if (!opsOnly)
      patterns.add<RotaryFromSpelledOut, WidenPartialRotary>(&getContext());
    if (failed(applyAndRecordMisses(getOperation(), std::move(patterns), [](Operation *op) {
          return isa<onnx::RotaryEmbeddingOp, onnx::MSRotaryEmbeddingOp>(op);
        })))
      signalPassFailure();
  }
};

} // namespace
