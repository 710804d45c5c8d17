//===- StructuredToLinalg.cpp - onnx MatMul, Transpose, Softmax, ... ------===//
//
// Ops that map onto one structured linalg op (or a constant): MatMul as a broadcasting
// contraction, Transpose as linalg.transpose, Softmax as linalg.softmax, Constant as
// arith.constant (keeping dense_resource weights as they are).
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"

#include "dialects/ONNX/ONNXDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx;

namespace {

bool isLowPrecisionFloat(Type t) { return isa<Float16Type, BFloat16Type>(t); }

/// Rounds an f32 result tensor to the op's f16/bf16 result type, elementwise.
Value roundTo(OpBuilder &b, Location loc, Value wide, RankedTensorType resultType) {
  return *buildElementwise(b, loc, resultType, ValueRange{wide},
                           [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
                             return arith::TruncFOp::create(nb, nloc,
                                                            resultType.getElementType(), args[0]);
                           });
}

struct ConstantToArith : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConstantOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, op.getType(),
                                                   cast<TypedAttr>(op.getValue()));
    return success();
  }
};

struct IdentityToNothing : OpConversionPattern<IdentityOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(IdentityOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (adaptor.getInput().getType() != op.getType())
      return rewriter.notifyMatchFailure(op, "result type differs from the operand's");
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

/// MatMul with numpy semantics as one linalg.generic: iteration space (batch..., m, n, k),
/// batch dims broadcast like elementwise operands, rank-1 operands without their m or n.
/// Accumulates in f32 for f16/bf16. Named ops and tiling come from later specialisation.
struct MatMulToLinalg : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto a = dyn_cast<RankedTensorType>(adaptor.getA().getType());
    auto b = dyn_cast<RankedTensorType>(adaptor.getB().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!a || !b || !result)
      return rewriter.notifyMatchFailure(op, "operand or result rank unknown");
    Type element = result.getElementType();
    if (!isa<FloatType>(element))
      return rewriter.notifyMatchFailure(op, "integer MatMul is not supported yet");
    MLIRContext *ctx = op.getContext();
    Location loc = op.getLoc();
    bool hasM = a.getRank() > 1, hasN = b.getRank() > 1;
    int64_t batchRank = result.getRank() - hasM - hasN;
    // Loop dims: batch dims, then m, n (when present), then k.
    int64_t mDim = batchRank, nDim = batchRank + hasM, kDim = batchRank + hasM + hasN;
    int64_t numLoops = kDim + 1;
    auto operandMap = [&](RankedTensorType t, bool isLhs) {
      SmallVector<AffineExpr> exprs;
      int64_t ownBatch = t.getRank() - (t.getRank() > 1 ? 2 : 1);
      for (int64_t j = 0; j < ownBatch; ++j) {
        int64_t loop = batchRank - ownBatch + j;
        bool broadcast = t.getDimSize(j) == 1 && result.getDimSize(loop) != 1;
        exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(loop, ctx));
      }
      if (isLhs) {
        if (hasM)
          exprs.push_back(getAffineDimExpr(mDim, ctx));
        exprs.push_back(getAffineDimExpr(kDim, ctx));
      } else {
        exprs.push_back(getAffineDimExpr(kDim, ctx));
        if (hasN)
          exprs.push_back(getAffineDimExpr(nDim, ctx));
      }
      return AffineMap::get(numLoops, 0, exprs, ctx);
    };
    SmallVector<AffineExpr> outExprs;
    for (int64_t i = 0; i < result.getRank(); ++i)
      outExprs.push_back(getAffineDimExpr(i, ctx));
    SmallVector<AffineMap> maps = {operandMap(a, true), operandMap(b, false),
                                   AffineMap::get(numLoops, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(numLoops, utils::IteratorType::parallel);
    iterators.back() = utils::IteratorType::reduction;

    // Result sizes: batch dims from the broadcast of both batch parts, m from A, n from B.
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < result.getRank(); ++i) {
      if (!result.isDynamicDim(i)) {
        sizes.push_back(rewriter.getIndexAttr(result.getDimSize(i)));
        continue;
      }
      Value source;
      int64_t dim = -1;
      if (hasM && i == mDim) {
        source = adaptor.getA(), dim = a.getRank() - 2;
      } else if (hasN && i == nDim) {
        source = adaptor.getB(), dim = b.getRank() - 1;
      } else {
        for (auto [v, t] : {std::pair<Value, RankedTensorType>{adaptor.getA(), a},
                            {adaptor.getB(), b}}) {
          int64_t ownBatch = t.getRank() - (t.getRank() > 1 ? 2 : 1);
          int64_t j = i - (batchRank - ownBatch);
          if (j >= 0 && j < ownBatch && t.getDimSize(j) != 1) {
            source = v, dim = j;
            break;
          }
        }
      }
      if (!source)
        return rewriter.notifyMatchFailure(op, "a dynamic batch dim has no source operand");
      sizes.push_back(tensor::DimOp::create(rewriter, loc, source, dim).getResult());
    }
    Type acc = isLowPrecisionFloat(element) ? rewriter.getF32Type() : element;
    Value zero = arith::ConstantOp::create(rewriter, loc, rewriter.getFloatAttr(acc, 0.0));
    Value empty = tensor::EmptyOp::create(rewriter, loc, sizes, acc);
    Value init = linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
    auto accType = result.clone(acc);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accType}, ValueRange{adaptor.getA(), adaptor.getB()},
        ValueRange{init}, maps, iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value x = args[0], y = args[1];
          if (acc != element) {
            x = arith::ExtFOp::create(nb, nloc, acc, x);
            y = arith::ExtFOp::create(nb, nloc, acc, y);
          }
          Value prod = arith::MulFOp::create(nb, nloc, x, y);
          linalg::YieldOp::create(nb, nloc, ValueRange{arith::AddFOp::create(nb, nloc, args[2], prod)});
        });
    Value out = generic.getResult(0);
    rewriter.replaceOp(op, acc == element ? out : roundTo(rewriter, loc, out, result));
    return success();
  }
};

struct TransposeToLinalg : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!in || !result)
      return rewriter.notifyMatchFailure(op, "rank unknown");
    SmallVector<int64_t> perm;
    if (auto p = op.getPerm())
      perm.assign(p->begin(), p->end());
    else
      for (int64_t i = in.getRank() - 1; i >= 0; --i)
        perm.push_back(i);
    SmallVector<OpFoldResult> sizes;
    for (int64_t p : perm)
      sizes.push_back(in.isDynamicDim(p)
                          ? OpFoldResult(tensor::DimOp::create(rewriter, op.getLoc(),
                                                               adaptor.getData(), p)
                                             .getResult())
                          : OpFoldResult(rewriter.getIndexAttr(in.getDimSize(p))));
    Value init = tensor::EmptyOp::create(rewriter, op.getLoc(), sizes, in.getElementType());
    auto t = linalg::TransposeOp::create(rewriter, op.getLoc(), adaptor.getData(), init, perm);
    Value out = t.getResult()[0];
    if (out.getType() != result)
      out = tensor::CastOp::create(rewriter, op.getLoc(), result, out);
    rewriter.replaceOp(op, out);
    return success();
  }
};

/// Softmax (and LogSoftmax as log of it) along one axis; f16/bf16 computed in f32.
template <typename OpTy>
struct SoftmaxToLinalg : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!result || !isa<FloatType>(result.getElementType()))
      return rewriter.notifyMatchFailure(op, "rank unknown or not a float tensor");
    Location loc = op.getLoc();
    int64_t axis = (int64_t)op.getAxis();
    if (axis < 0)
      axis += result.getRank();
    Value input = adaptor.getInput();
    Type element = result.getElementType();
    auto wideType = result.clone(isLowPrecisionFloat(element) ? rewriter.getF32Type() : element);
    if (wideType != result)
      input = *buildElementwise(rewriter, loc, wideType, ValueRange{input},
                                [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                                  return arith::ExtFOp::create(b, l, b.getF32Type(), args[0]);
                                });
    FailureOr<SmallVector<OpFoldResult>> sizes =
        getBroadcastResultSizes(rewriter, loc, wideType, ValueRange{input});
    Value init = tensor::EmptyOp::create(rewriter, loc, *sizes, wideType.getElementType());
    Value out = linalg::SoftmaxOp::create(rewriter, loc, wideType, input, init, axis).getResult()[0];
    if (std::is_same_v<OpTy, LogSoftmaxOp>)
      out = *buildElementwise(rewriter, loc, wideType, ValueRange{out},
                              [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                                return math::LogOp::create(b, l, args[0]);
                              });
    rewriter.replaceOp(op, wideType == result ? out : roundTo(rewriter, loc, out, result));
    return success();
  }
};

} // namespace

void kiln::populateStructuredToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ConstantToArith, IdentityToNothing, MatMulToLinalg, TransposeToLinalg,
               SoftmaxToLinalg<SoftmaxOp>, SoftmaxToLinalg<LogSoftmaxOp>>(patterns.getContext());
}
