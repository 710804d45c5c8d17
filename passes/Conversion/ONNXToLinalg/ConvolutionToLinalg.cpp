//===- ConvolutionToLinalg.cpp - onnx.Conv of any rank, grouped -----------===//
//
// Conv with 1, 2 or 3 spatial dims, groups, strides, dilations, explicit pads and every
// auto_pad mode, with static or dynamic batch and spatial sizes, as one linalg.generic over
//
//   out[n, g, m, o...] += x[n, g, c, o*stride + k*dilation...] * w[g, m, c, k...]
//
// on views that split the channels into (group, channels per group): the input padded with
// zeros first (tensor.pad, pads computed at run time for SAME_* on dynamic sizes), f16/bf16
// accumulated in f32, then the bias added and the result rounded in one elementwise op.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoweringDiagnostics.h"
#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"

#include "dialects/ONNX/ONNXDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx;

namespace {

SmallVector<int64_t> attrOr(std::optional<ArrayRef<int64_t>> a, int64_t dflt, size_t n) {
  SmallVector<int64_t> v(n, dflt);
  if (a && a->size() == n)
    v.assign(a->begin(), a->end());
  return v;
}

/// `t` [A, G*C, rest...] viewed as [A, G, C, rest...] (dim `d` split in two).
Value splitDim(OpBuilder &b, Location loc, Value t, int64_t d, int64_t groups) {
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> sizes;
  SmallVector<ReassociationIndices> groupsOfDims;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (i == d) {
      int64_t per = type.getDimSize(i) / groups;
      shape.append({groups, per});
      sizes.append({b.getIndexAttr(groups), b.getIndexAttr(per)});
      groupsOfDims.push_back({(int64_t)shape.size() - 2, (int64_t)shape.size() - 1});
      continue;
    }
    shape.push_back(type.getDimSize(i));
    sizes.push_back(tensor::getMixedSize(b, loc, t, i));
    groupsOfDims.push_back({(int64_t)shape.size() - 1});
  }
  return tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(shape, type.getElementType()),
                                       t, groupsOfDims, sizes);
}

struct ConvToLinalg : OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto x = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto w = dyn_cast<RankedTensorType>(adaptor.getW().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!x || !w || !result || x.getRank() < 3 || x.getRank() > 5 ||
        !isa<FloatType>(x.getElementType()))
      return rejectLowering(rewriter, op, "only float convolutions with 1 to 3 spatial dims of "
                                          "known rank");
    int64_t spatial = x.getRank() - 2, group = (int64_t)op.getGroup();
    if (llvm::any_of(w.getShape(), ShapedType::isDynamic) || x.isDynamicDim(1))
      return rejectLowering(rewriter, op, "the weights or the input channels are dynamic");
    if (w.getDimSize(0) % group || x.getDimSize(1) != w.getDimSize(1) * group)
      return rejectLowering(rewriter, op, "channels do not divide into the groups");
    Location loc = op.getLoc();
    SmallVector<int64_t> strides = attrOr(op.getStrides(), 1, spatial);
    SmallVector<int64_t> dilations = attrOr(op.getDilations(), 1, spatial);
    SmallVector<int64_t> pads = attrOr(op.getPads(), 0, 2 * spatial);
    StringRef autoPad = op.getAutoPad();

    // Padding: explicit, none (VALID), or SAME_* computed from the (maybe dynamic) input size.
    SmallVector<OpFoldResult> low(x.getRank(), rewriter.getIndexAttr(0)),
        high(x.getRank(), rewriter.getIndexAttr(0));
    SmallVector<int64_t> padded(x.getShape());
    bool anyPad = false;
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t kernel = (w.getDimSize(2 + i) - 1) * dilations[i] + 1;
      if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
        // total = max(0, (ceil(in / s) - 1) * s + kernel - in), the odd one at the end (UPPER)
        // or the beginning (LOWER).
        Value in = dimOf(rewriter, loc, adaptor.getX(), 2 + i);
        Value s = indexConst(rewriter, loc, strides[i]);
        Value outLen = arith::CeilDivSIOp::create(rewriter, loc, in, s);
        Value total = arith::SubIOp::create(
            rewriter, loc,
            arith::AddIOp::create(rewriter, loc,
                                  arith::MulIOp::create(rewriter, loc,
                                                        arith::SubIOp::create(rewriter, loc, outLen,
                                                                              indexConst(rewriter, loc, 1)),
                                                        s),
                                  indexConst(rewriter, loc, kernel)),
            in);
        total = arith::MaxSIOp::create(rewriter, loc, total, indexConst(rewriter, loc, 0));
        Value half = arith::DivSIOp::create(rewriter, loc, total, indexConst(rewriter, loc, 2));
        Value rest = arith::SubIOp::create(rewriter, loc, total, half);
        low[2 + i] = autoPad == "SAME_UPPER" ? half : rest;
        high[2 + i] = autoPad == "SAME_UPPER" ? rest : half;
        padded[2 + i] = ShapedType::kDynamic;
        anyPad = true;
        continue;
      }
      if (autoPad == "VALID")
        continue;
      low[2 + i] = rewriter.getIndexAttr(pads[i]);
      high[2 + i] = rewriter.getIndexAttr(pads[spatial + i]);
      if (!ShapedType::isDynamic(padded[2 + i]))
        padded[2 + i] += pads[i] + pads[spatial + i];
      anyPad |= pads[i] || pads[spatial + i];
    }
    Type element = x.getElementType();
    Value input = adaptor.getX();
    if (anyPad) {
      Value zero = arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(element));
      input = tensor::PadOp::create(rewriter, loc, RankedTensorType::get(padded, element), input,
                                    low, high, zero);
    }

    // Output sizes: the result's static dims, else (padded - kernel) / stride + 1.
    int64_t perGroupOut = w.getDimSize(0) / group;
    SmallVector<OpFoldResult> outSizes = {tensor::getMixedSize(rewriter, loc, adaptor.getX(), 0),
                                          rewriter.getIndexAttr(group),
                                          rewriter.getIndexAttr(perGroupOut)};
    SmallVector<int64_t> outShape = {x.getDimSize(0), group, perGroupOut};
    for (int64_t i = 0; i < spatial; ++i) {
      outShape.push_back(result.getDimSize(2 + i));
      if (!result.isDynamicDim(2 + i)) {
        outSizes.push_back(rewriter.getIndexAttr(result.getDimSize(2 + i)));
        continue;
      }
      int64_t kernel = (w.getDimSize(2 + i) - 1) * dilations[i] + 1;
      Value len = arith::SubIOp::create(rewriter, loc, dimOf(rewriter, loc, input, 2 + i),
                                        indexConst(rewriter, loc, kernel));
      len = arith::DivSIOp::create(rewriter, loc, len, indexConst(rewriter, loc, strides[i]));
      outSizes.push_back(
          arith::AddIOp::create(rewriter, loc, len, indexConst(rewriter, loc, 1)).getResult());
    }
    Type acc = isa<Float16Type, BFloat16Type>(element) ? rewriter.getF32Type() : element;
    Value zero = arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(acc));
    Value init = linalg::FillOp::create(rewriter, loc, zero,
                                        tensor::EmptyOp::create(rewriter, loc, outSizes, acc)
                                            .getResult())
                     .getResult(0);

    // Iteration space: n, g, m, o_1..o_s (parallel), c, k_1..k_s (reduction).
    MLIRContext *ctx = op.getContext();
    int64_t loops = 3 + 2 * spatial + 1, cDim = 3 + spatial;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> xExprs = {d(0), d(1), d(cDim)}, wExprs = {d(1), d(2), d(cDim)},
                            oExprs = {d(0), d(1), d(2)};
    for (int64_t i = 0; i < spatial; ++i) {
      xExprs.push_back(d(3 + i) * strides[i] + d(cDim + 1 + i) * dilations[i]);
      wExprs.push_back(d(cDim + 1 + i));
      oExprs.push_back(d(3 + i));
    }
    SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, xExprs, ctx),
                                   AffineMap::get(loops, 0, wExprs, ctx),
                                   AffineMap::get(loops, 0, oExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(loops, utils::IteratorType::parallel);
    for (int64_t i = cDim; i < loops; ++i)
      iterators[i] = utils::IteratorType::reduction;
    Value xg = splitDim(rewriter, loc, input, 1, group);
    Value wg = splitDim(rewriter, loc, adaptor.getW(), 0, group);
    Value conv = linalg::GenericOp::create(
                     rewriter, loc, TypeRange{init.getType()}, ValueRange{xg, wg},
                     ValueRange{init}, maps, iterators,
                     [&](OpBuilder &b, Location l, ValueRange args) {
                       Value a = args[0], c = args[1];
                       if (acc != element) {
                         a = arith::ExtFOp::create(b, l, acc, a);
                         c = arith::ExtFOp::create(b, l, acc, c);
                       }
                       Value p = arith::MulFOp::create(b, l, a, c);
                       linalg::YieldOp::create(b, l, ValueRange{arith::AddFOp::create(b, l, args[2], p)});
                     })
                     .getResult(0);

    // [N, G, M/G, O...] -> [N, M, O...], then bias and rounding in one elementwise op.
    SmallVector<ReassociationIndices> merge = {{0}, {1, 2}};
    for (int64_t i = 0; i < spatial; ++i)
      merge.push_back({3 + i});
    SmallVector<int64_t> flatShape = {x.getDimSize(0), w.getDimSize(0)};
    flatShape.append(outShape.begin() + 3, outShape.end());
    conv = tensor::CollapseShapeOp::create(rewriter, loc, RankedTensorType::get(flatShape, acc),
                                           conv, merge);
    int64_t rank = x.getRank();
    SmallVector<Value> inputs = {conv};
    SmallVector<AffineMap> outMaps = {rewriter.getMultiDimIdentityMap(rank)};
    if (adaptor.getB()) {
      inputs.push_back(adaptor.getB());
      outMaps.push_back(AffineMap::get(rank, 0, {d(1)}, ctx));
    }
    outMaps.push_back(rewriter.getMultiDimIdentityMap(rank));
    if (!adaptor.getB() && acc == element) {
      rewriter.replaceOp(op, conv.getType() == result
                                 ? conv
                                 : Value(tensor::CastOp::create(rewriter, loc, result, conv)));
      return success();
    }
    SmallVector<OpFoldResult> flatSizes = tensor::getMixedSizes(rewriter, loc, conv);
    Value out = tensor::EmptyOp::create(rewriter, loc, flatSizes, element);
    Value biased = linalg::GenericOp::create(
                       rewriter, loc, TypeRange{out.getType()}, inputs, ValueRange{out}, outMaps,
                       SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
                       [&](OpBuilder &b, Location l, ValueRange args) {
                         Value v = args[0];
                         if (args.size() == 3) {
                           Value bias = args[1];
                           if (bias.getType() != acc)
                             bias = arith::ExtFOp::create(b, l, acc, bias);
                           v = arith::AddFOp::create(b, l, v, bias);
                         }
                         if (acc != element)
                           v = arith::TruncFOp::create(b, l, element, v);
                         linalg::YieldOp::create(b, l, ValueRange{v});
                       })
                       .getResult(0);
    if (biased.getType() != result)
      biased = tensor::CastOp::create(rewriter, loc, result, biased);
    rewriter.replaceOp(op, biased);
    return success();
  }
};

} // namespace

void kiln::populateConvolutionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvToLinalg>(patterns.getContext());
}
