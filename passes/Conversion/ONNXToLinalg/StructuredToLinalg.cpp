//===- StructuredToLinalg.cpp - onnx MatMul, Transpose, Softmax, ... ------===//
//
// Ops that map onto one structured linalg op (or a constant): MatMul as a broadcasting
// contraction, Transpose as linalg.transpose, Softmax as linalg.softmax, Constant as
// arith.constant (keeping dense_resource weights as they are).
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "passes/Conversion/LoweringDiagnostics.h"

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
      return kiln::rejectLowering(rewriter, op, "result type differs from the operand's");
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

} // namespace

/// MatMul with numpy semantics as one linalg.generic: iteration space (batch..., m, n, k),
/// batch dims broadcast like elementwise operands, rank-1 operands without their m or n.
/// Accumulates in f32 for f16/bf16 operands or results. Named ops and tiling come from later
/// specialisation.
/// `transposeRhs` reads rhs as its last two dims swapped, through the operand's map.
FailureOr<Value> kiln::buildMatMul(OpBuilder &rewriter, Location loc, Value lhs, Value rhs,
                                   RankedTensorType result, bool transposeRhs) {
  auto a = dyn_cast<RankedTensorType>(lhs.getType());
  auto b = dyn_cast<RankedTensorType>(rhs.getType());
  Type element = result.getElementType();
  if (!a || !b || !isa<FloatType>(element) || (transposeRhs && b.getRank() < 2))
    return failure();
  MLIRContext *ctx = rewriter.getContext();
  bool hasM = a.getRank() > 1, hasN = b.getRank() > 1;
  int64_t batchRank = result.getRank() - hasM - hasN;
  if (batchRank < std::max<int64_t>(a.getRank() - 2, 0) ||
      batchRank < std::max<int64_t>(b.getRank() - 2, 0))
    return failure();
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
    } else if (transposeRhs) {
      exprs.push_back(getAffineDimExpr(nDim, ctx));
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
      source = lhs, dim = a.getRank() - 2;
    } else if (hasN && i == nDim) {
      source = rhs, dim = b.getRank() - (transposeRhs ? 2 : 1);
    } else {
      for (auto [v, t] : {std::pair<Value, RankedTensorType>{lhs, a}, {rhs, b}}) {
        int64_t ownBatch = t.getRank() - (t.getRank() > 1 ? 2 : 1);
        int64_t j = i - (batchRank - ownBatch);
        if (j >= 0 && j < ownBatch && t.getDimSize(j) != 1) {
          source = v, dim = j;
          break;
        }
      }
    }
    if (!source)
      return failure(); // a dynamic batch dim with no source operand
    sizes.push_back(tensor::DimOp::create(rewriter, loc, source, dim).getResult());
  }
  Type acc = isLowPrecisionFloat(element) ? rewriter.getF32Type() : element;
  Value zero = arith::ConstantOp::create(rewriter, loc, rewriter.getFloatAttr(acc, 0.0));
  Value empty = tensor::EmptyOp::create(rewriter, loc, sizes, acc);
  Value init = linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
  auto accType = result.clone(acc);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{accType}, ValueRange{lhs, rhs}, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value x = args[0], y = args[1];
        if (x.getType() != acc)
          x = arith::ExtFOp::create(nb, nloc, acc, x);
        if (y.getType() != acc)
          y = arith::ExtFOp::create(nb, nloc, acc, y);
        Value prod = arith::MulFOp::create(nb, nloc, x, y);
        linalg::YieldOp::create(nb, nloc, ValueRange{arith::AddFOp::create(nb, nloc, args[2], prod)});
      });
  Value out = generic.getResult(0);
  return acc == element ? out : roundTo(rewriter, loc, out, result);
}

namespace {

struct MatMulToLinalg : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!result || !isa<FloatType>(result.getElementType()))
      return kiln::rejectLowering(rewriter, op, "result rank unknown or integer MatMul (not "
                                             "supported yet)");
    FailureOr<Value> out =
        buildMatMul(rewriter, op.getLoc(), adaptor.getA(), adaptor.getB(), result);
    if (failed(out))
      return kiln::rejectLowering(rewriter, op, "operand ranks unknown or do not fit the result, "
                                             "or a dynamic batch dim has no source operand");
    rewriter.replaceOp(op, *out);
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
      return kiln::rejectLowering(rewriter, op, "rank unknown");
    SmallVector<int64_t> perm;
    if (auto p = op.getPerm())
      perm.assign(p->begin(), p->end());
    else
      for (int64_t i = in.getRank() - 1; i >= 0; --i)
        perm.push_back(i);
    SmallVector<int64_t> sorted(perm);
    llvm::sort(sorted);
    if (!llvm::equal(sorted, llvm::seq<int64_t>(0, in.getRank())))
      return kiln::rejectLowering(rewriter, op, "perm is not a permutation");
    SmallVector<OpFoldResult> sizes;
    for (int64_t p : perm)
      sizes.push_back(tensor::getMixedSize(rewriter, op.getLoc(), adaptor.getData(), p));
    Value init = tensor::EmptyOp::create(rewriter, op.getLoc(), sizes, in.getElementType());
    auto t = linalg::TransposeOp::create(rewriter, op.getLoc(), adaptor.getData(), init, perm);
    Value out = t.getResult()[0];
    if (out.getType() != result)
      out = tensor::CastOp::create(rewriter, op.getLoc(), result, out);
    rewriter.replaceOp(op, out);
    return success();
  }
};

/// Softmax along one axis; f16/bf16 computed in f32. (LogSoftmax is built from reductions in
/// ReductionToLinalg.cpp: log(softmax) would lose everything below e^-88.)
struct SoftmaxToLinalg : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!result || !isa<FloatType>(result.getElementType()))
      return kiln::rejectLowering(rewriter, op, "rank unknown or not a float tensor");
    Location loc = op.getLoc();
    int64_t axis = (int64_t)op.getAxis();
    if (axis < -result.getRank() || axis >= result.getRank())
      return kiln::rejectLowering(rewriter, op, "axis out of range");
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
    rewriter.replaceOp(op, wideType == result ? out : roundTo(rewriter, loc, out, result));
    return success();
  }
};

/// Gemm: alpha * op(A) * op(B) + beta * C as a contraction with transposing maps, then one
/// elementwise epilogue.
struct GemmToLinalg : OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto result = dyn_cast<RankedTensorType>(op.getType());
    auto a = dyn_cast<RankedTensorType>(adaptor.getA().getType());
    auto b = dyn_cast<RankedTensorType>(adaptor.getB().getType());
    if (!result || !a || !b || !isa<FloatType>(result.getElementType()) ||
        (adaptor.getC() && !isa<RankedTensorType>(adaptor.getC().getType())))
      return kiln::rejectLowering(rewriter, op, "rank unknown or not a float tensor");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    bool ta = op.getTransA() != 0, tb = op.getTransB() != 0;
    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
               k = getAffineDimExpr(2, ctx);
    SmallVector<AffineMap> maps = {
        AffineMap::get(3, 0, ta ? ArrayRef<AffineExpr>{k, m} : ArrayRef<AffineExpr>{m, k}, ctx),
        AffineMap::get(3, 0, tb ? ArrayRef<AffineExpr>{n, k} : ArrayRef<AffineExpr>{k, n}, ctx),
        AffineMap::get(3, 0, {m, n}, ctx)};
    SmallVector<OpFoldResult> sizes;
    sizes.push_back(tensor::getMixedSize(rewriter, loc, adaptor.getA(), ta ? 1 : 0));
    sizes.push_back(tensor::getMixedSize(rewriter, loc, adaptor.getB(), tb ? 0 : 1));
    Type element = result.getElementType();
    Type acc = isLowPrecisionFloat(element) ? rewriter.getF32Type() : element;
    Value zero = arith::ConstantOp::create(rewriter, loc, rewriter.getFloatAttr(acc, 0.0));
    Value init = linalg::FillOp::create(rewriter, loc, zero,
                                        tensor::EmptyOp::create(rewriter, loc, sizes, acc).getResult())
                     .getResult(0);
    SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel,
                                                  utils::IteratorType::parallel,
                                                  utils::IteratorType::reduction};
    auto accType = result.clone(acc);
    Value product =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{accType}, ValueRange{adaptor.getA(), adaptor.getB()},
            ValueRange{init}, maps, iterators,
            [&](OpBuilder &nb, Location l, ValueRange args) {
              Value x = args[0], y = args[1];
              if (acc != element) {
                x = arith::ExtFOp::create(nb, l, acc, x);
                y = arith::ExtFOp::create(nb, l, acc, y);
              }
              linalg::YieldOp::create(
                  nb, l, ValueRange{arith::AddFOp::create(nb, l, args[2],
                                                          arith::MulFOp::create(nb, l, x, y))});
            })
            .getResult(0);
    float alpha = op.getAlpha().convertToFloat(), beta = op.getBeta().convertToFloat();
    SmallVector<Value> operands = {product};
    if (adaptor.getC() && beta != 0)
      operands.push_back(adaptor.getC());
    Value out = *buildElementwise(
        rewriter, loc, result, operands, [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value r = args[0];
          if (alpha != 1)
            r = arith::MulFOp::create(nb, l, r,
                                      arith::ConstantOp::create(nb, l, nb.getFloatAttr(acc, alpha)));
          if (args.size() > 1) {
            Value c = args[1];
            if (c.getType() != acc)
              c = arith::ExtFOp::create(nb, l, acc, c);
            if (beta != 1)
              c = arith::MulFOp::create(nb, l, c,
                                        arith::ConstantOp::create(nb, l, nb.getFloatAttr(acc, beta)));
            r = arith::AddFOp::create(nb, l, r, c);
          }
          return acc == element ? r : Value(arith::TruncFOp::create(nb, l, element, r));
        });
    rewriter.replaceOp(op, out);
    return success();
  }
};

} // namespace

void kiln::populateStructuredToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ConstantToArith, IdentityToNothing, MatMulToLinalg, TransposeToLinalg,
               SoftmaxToLinalg, GemmToLinalg>(patterns.getContext());
}
