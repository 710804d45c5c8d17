//===- AttentionToLinalg.cpp - tfm.attention -> linalg --------------------===//
//
// The reference lowering of tfm.attention: scores = Q·Kᵀ as one contraction (GQA through a
// floordiv in K's and V's head index, operand layouts through the indexing maps, so no
// transpose is materialised), then the score terms (AttentionScores.h: scale, softcap, mask,
// causal and sliding-window limits) in one elementwise op, a max over the keys, the
// probabilities exp(s - max) materialised once, their sum, and P·V (a plain contraction)
// divided by the sum. Everything is f32 for f16/bf16 operands. Rows whose keys are all masked
// produce zeros, as tfm.attention specifies. The CUDA target claims the attention its
// online-softmax kernel implements (docs/design/flash-attention.md) before this lowering.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoweringDiagnostics.h"
#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "passes/Conversion/TFMToLinalg/AttentionScores.h"
#include "passes/Conversion/TFMToLinalg/TFMToLinalg.h"

#include "dialects/TFM/TFMDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::tfm;

namespace {

using utils::IteratorType;

/// Indexing map of a 4-D operand given the loop dims standing for its batch, head, seq and
/// head-dim positions.
AffineMap operandMap(MLIRContext *ctx, unsigned numLoops, Layout layout,
                     std::array<AffineExpr, 4> bhsd) {
  std::array<int64_t, 4> pos = layoutPositions(layout);
  SmallVector<AffineExpr> exprs(4);
  for (int i = 0; i < 4; ++i)
    exprs[pos[i]] = bhsd[i];
  return AffineMap::get(numLoops, 0, exprs, ctx);
}

Value floatConst(OpBuilder &b, Location loc, Type t, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v));
}

Value filled(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes, Type t, double v) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, t);
  return linalg::FillOp::create(b, loc, floatConst(b, loc, t, v), empty).getResult(0);
}

Value widen(OpBuilder &b, Location loc, Value v, Type f32) {
  return v.getType() == f32 ? v : arith::ExtFOp::create(b, loc, f32, v).getResult();
}

struct AttentionToLinalg : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    auto qType = cast<RankedTensorType>(q.getType());
    auto kType = cast<RankedTensorType>(k.getType());
    auto outType = cast<RankedTensorType>(op.getType());
    auto qPos = layoutPositions(op.getQueryLayout()), kPos = layoutPositions(op.getKeyLayout()),
         vPos = layoutPositions(op.getValueLayout());
    int64_t hq = qType.getDimSize(qPos[1]), hkv = kType.getDimSize(kPos[1]);
    int64_t headDim = qType.getDimSize(qPos[3]);
    if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv))
      return kiln::rejectLowering(rewriter, op, "head counts must be static");
    int64_t group = hq / hkv;
    std::optional<AttentionScoreTerms> terms =
        AttentionScoreTerms::of(op, ShapedType::isDynamic(headDim) ? 0 : headDim);
    if (!terms)
      return kiln::rejectLowering(rewriter, op, "default scale needs a static head dim");
    Type f32 = rewriter.getF32Type();
    Type acc =
        isa<Float16Type, BFloat16Type>(qType.getElementType()) ? f32 : qType.getElementType();
    double negInf = -std::numeric_limits<double>::infinity();

    // Loop dims of the score computations: b, h, i (query), j (key), d (contracted).
    AffineExpr b = getAffineDimExpr(0, ctx), h = getAffineDimExpr(1, ctx),
               i = getAffineDimExpr(2, ctx), j = getAffineDimExpr(3, ctx),
               d = getAffineDimExpr(4, ctx);
    AffineExpr kvHead = group == 1 ? h : h.floorDiv(group);
    SmallVector<OpFoldResult> scoreSizes = {tensor::getMixedSize(rewriter, loc, q, qPos[0]),
                                            rewriter.getIndexAttr(hq),
                                            tensor::getMixedSize(rewriter, loc, q, qPos[2]),
                                            tensor::getMixedSize(rewriter, loc, k, kPos[2])};
    auto scoreType = RankedTensorType::get(
        {qType.getDimSize(qPos[0]), hq, qType.getDimSize(qPos[2]), kType.getDimSize(kPos[2])}, acc);

    // scores[b,h,i,j] = sum_d Q[b,h,i,d] * K[b,h/g,j,d]
    Value scores =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{scoreType}, ValueRange{q, k},
            ValueRange{filled(rewriter, loc, scoreSizes, acc, 0.0)},
            SmallVector<AffineMap>{operandMap(ctx, 5, op.getQueryLayout(), {b, h, i, d}),
                                   operandMap(ctx, 5, op.getKeyLayout(), {b, kvHead, j, d}),
                                   AffineMap::get(5, 0, {b, h, i, j}, ctx)},
            SmallVector<IteratorType>{IteratorType::parallel, IteratorType::parallel,
                                      IteratorType::parallel, IteratorType::parallel,
                                      IteratorType::reduction},
            [&](OpBuilder &nb, Location l, ValueRange a) {
              Value p =
                  arith::MulFOp::create(nb, l, widen(nb, l, a[0], acc), widen(nb, l, a[1], acc));
              linalg::YieldOp::create(nb, l, ValueRange{arith::AddFOp::create(nb, l, a[2], p)});
            })
            .getResult(0);

    // Scale, softcap, mask and causal masking, elementwise over (b, h, i, j).
    Value causalOffset; // Skv - Sq: query i sees keys j <= i + offset.
    if (op.getCausal())
      causalOffset = arith::SubIOp::create(rewriter, loc, dimOf(rewriter, loc, k, kPos[2]),
                                           dimOf(rewriter, loc, q, qPos[2]));
    SmallVector<Value> inputs = {scores};
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(4)};
    Value mask = adaptor.getMask();
    if (mask) {
      auto maskType = cast<RankedTensorType>(mask.getType());
      SmallVector<AffineExpr> exprs;
      int64_t offset = 4 - maskType.getRank();
      for (int64_t m = 0; m < maskType.getRank(); ++m)
        exprs.push_back(maskType.getDimSize(m) == 1 && scoreType.getDimSize(m + offset) != 1
                            ? getAffineConstantExpr(0, ctx)
                            : getAffineDimExpr(m + offset, ctx));
      inputs.push_back(mask);
      maps.push_back(AffineMap::get(4, 0, exprs, ctx));
    }
    maps.push_back(rewriter.getMultiDimIdentityMap(4));
    SmallVector<IteratorType> parallel4(4, IteratorType::parallel);
    Value biased =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{scoreType}, inputs,
            ValueRange{tensor::EmptyOp::create(rewriter, loc, scoreSizes, acc).getResult()}, maps,
            parallel4,
            [&](OpBuilder &nb, Location l, ValueRange a) {
              Value qi, kj;
              if (causalOffset)
                qi = linalg::IndexOp::create(nb, l, 2), kj = linalg::IndexOp::create(nb, l, 3);
              Value s = applyAttentionScoreTerms(nb, l, *terms, a[0], mask ? a[1] : Value(), qi, kj,
                                                 causalOffset);
              linalg::YieldOp::create(nb, l, s);
            })
            .getResult(0);

    // Row maximum and sum of exp(s - max) over the keys; a row of -inf has max -inf and
    // contributes nothing (exp of -inf - finite is 0, guarded when max itself is -inf).
    SmallVector<OpFoldResult> rowSizes(scoreSizes.begin(), scoreSizes.begin() + 3);
    auto rowType = RankedTensorType::get(scoreType.getShape().take_front(3), acc);
    AffineMap id4 = rewriter.getMultiDimIdentityMap(4), row4 = AffineMap::get(4, 0, {b, h, i}, ctx);
    SmallVector<IteratorType> reduceJ = {IteratorType::parallel, IteratorType::parallel,
                                         IteratorType::parallel, IteratorType::reduction};
    Value rowMax = linalg::GenericOp::create(
                       rewriter, loc, TypeRange{rowType}, ValueRange{biased},
                       ValueRange{filled(rewriter, loc, rowSizes, acc, negInf)},
                       SmallVector<AffineMap>{id4, row4}, reduceJ,
                       [&](OpBuilder &nb, Location l, ValueRange a) {
                         linalg::YieldOp::create(
                             nb, l, ValueRange{arith::MaximumFOp::create(nb, l, a[0], a[1])});
                       })
                       .getResult(0);
    auto expOf = [&](OpBuilder &nb, Location l, Value s, Value m) -> Value {
      Value isEmpty = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ, m,
                                            floatConst(nb, l, acc, negInf));
      Value e = math::ExpOp::create(nb, l, arith::SubFOp::create(nb, l, s, m));
      return arith::SelectOp::create(nb, l, isEmpty, floatConst(nb, l, acc, 0.0), e);
    };
    // The unnormalised probabilities exp(s - max), materialised once: the sum and P·V read
    // them, and P·V stays a plain contraction (a GEMM on the CPU) instead of recomputing the
    // exponential for every output feature.
    auto scoreAccType = RankedTensorType::get(scoreType.getShape(), acc);
    Value probs =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{scoreAccType}, ValueRange{biased, rowMax},
            ValueRange{tensor::EmptyOp::create(rewriter, loc, scoreSizes, acc).getResult()},
            SmallVector<AffineMap>{id4, row4, id4}, parallel4,
            [&](OpBuilder &nb, Location l, ValueRange a) {
              linalg::YieldOp::create(nb, l, ValueRange{expOf(nb, l, a[0], a[1])});
            })
            .getResult(0);
    Value rowSum =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{rowType}, ValueRange{probs},
            ValueRange{filled(rewriter, loc, rowSizes, acc, 0.0)},
            SmallVector<AffineMap>{id4, row4}, reduceJ,
            [&](OpBuilder &nb, Location l, ValueRange a) {
              linalg::YieldOp::create(nb, l, ValueRange{arith::AddFOp::create(nb, l, a[1], a[0])});
            })
            .getResult(0);

    // out[b,h,i,e] = sum_j P[b,h,i,j] * V[b,h/g,j,e] / sum, in the output's layout.
    auto outPos = layoutPositions(op.getOutputLayout());
    SmallVector<OpFoldResult> outSizes(4);
    outSizes[outPos[0]] = scoreSizes[0];
    outSizes[outPos[1]] = scoreSizes[1];
    outSizes[outPos[2]] = scoreSizes[2];
    outSizes[outPos[3]] = tensor::getMixedSize(rewriter, loc, v, vPos[3]);
    auto accOutType = outType.clone(acc);
    AffineExpr e = d; // loop 4 is the value's head dim here
    Value weighted =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{accOutType}, ValueRange{probs, v},
            ValueRange{filled(rewriter, loc, outSizes, acc, 0.0)},
            SmallVector<AffineMap>{AffineMap::get(5, 0, {b, h, i, j}, ctx),
                                   operandMap(ctx, 5, op.getValueLayout(), {b, kvHead, j, e}),
                                   operandMap(ctx, 5, op.getOutputLayout(), {b, h, i, e})},
            SmallVector<IteratorType>{IteratorType::parallel, IteratorType::parallel,
                                      IteratorType::parallel, IteratorType::reduction,
                                      IteratorType::parallel},
            [&](OpBuilder &nb, Location l, ValueRange a) {
              Value p = arith::MulFOp::create(nb, l, a[0], widen(nb, l, a[1], acc));
              linalg::YieldOp::create(nb, l, ValueRange{arith::AddFOp::create(nb, l, a[2], p)});
            })
            .getResult(0);
    Type element = outType.getElementType();
    Value out =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{outType}, ValueRange{weighted, rowSum},
            ValueRange{tensor::EmptyOp::create(rewriter, loc, outSizes, element).getResult()},
            SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(4),
                                   operandMapRow(ctx, op.getOutputLayout()),
                                   rewriter.getMultiDimIdentityMap(4)},
            parallel4,
            [&](OpBuilder &nb, Location l, ValueRange a) {
              Value zero = floatConst(nb, l, acc, 0.0);
              Value isEmpty = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ, a[1], zero);
              Value r = arith::SelectOp::create(nb, l, isEmpty, zero,
                                                arith::DivFOp::create(nb, l, a[0], a[1]));
              if (r.getType() != element)
                r = arith::TruncFOp::create(nb, l, element, r);
              linalg::YieldOp::create(nb, l, r);
            })
            .getResult(0);
    rewriter.replaceOp(op, out);
    return success();
  }

  /// The map reading the (b, h, i) row sums inside an output-shaped iteration space.
  static AffineMap operandMapRow(MLIRContext *ctx, Layout outLayout) {
    auto pos = layoutPositions(outLayout);
    return AffineMap::get(4, 0,
                          {getAffineDimExpr(pos[0], ctx), getAffineDimExpr(pos[1], ctx),
                           getAffineDimExpr(pos[2], ctx)},
                          ctx);
  }
};

} // namespace

void kiln::populateAttentionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionToLinalg>(patterns.getContext());
}
