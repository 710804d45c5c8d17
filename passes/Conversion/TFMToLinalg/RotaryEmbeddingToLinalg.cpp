//===- RotaryEmbeddingToLinalg.cpp - tfm.rotary_embedding -> linalg -------===//
//
// One linalg.generic over the output. Each element reads its own input value through the
// generic's operand and its pair partner, cos and sin with tensor.extract at indices computed
// from linalg.index (the partner of feature f is not an affine function of f). Features past
// the rotary dim pass through. f16/bf16 are computed in f32 and rounded once.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "passes/Conversion/TFMToLinalg/TFMToLinalg.h"

#include "dialects/TFM/TFMDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::tfm;

namespace {

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

struct RotaryEmbeddingToLinalg : OpConversionPattern<RotaryEmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(RotaryEmbeddingOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), cosTable = adaptor.getCos(), sinTable = adaptor.getSin();
    auto type = cast<RankedTensorType>(x.getType());
    auto tableType = cast<RankedTensorType>(cosTable.getType());
    int64_t rank = type.getRank(), tableRank = tableType.getRank();
    Type element = type.getElementType();
    bool widen = isa<Float16Type, BFloat16Type>(element);
    Type compute = widen ? Type(rewriter.getF32Type()) : element;
    bool interleaved = op.getInterleaved();

    // Loop-invariant sizes: the rotary dim R and the tables' angle count A (R or R/2).
    Value rotary = op.getRotaryDim() ? indexConstant(rewriter, loc, (int64_t)*op.getRotaryDim())
                                     : dimOf(rewriter, loc, x, rank - 1);
    Value angles = dimOf(rewriter, loc, cosTable, tableRank - 1);
    Value perFeature = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, angles,
                                             rotary);

    SmallVector<Value> sizes;
    for (int64_t d = 0; d < rank; ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(tensor::DimOp::create(rewriter, loc, x, d));
    Value init = tensor::EmptyOp::create(rewriter, loc, type, sizes);
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);

    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{x}, ValueRange{init},
        ArrayRef<AffineMap>{identity, identity}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          using P = arith::CmpIPredicate;
          SmallVector<Value> idx;
          for (int64_t d = 0; d < rank; ++d)
            idx.push_back(linalg::IndexOp::create(b, l, d));
          Value f = idx.back();
          Value zero = indexConstant(b, l, 0), one = indexConstant(b, l, 1);
          Value rotated = arith::CmpIOp::create(b, l, P::ult, f, rotary);
          // Inside the rotary dims: whether f is the first of its pair, its partner and the
          // index of its angle; outside, any valid index (the result is x itself).
          Value first, partner, pairIndex;
          if (interleaved) {
            Value odd = arith::AndIOp::create(b, l, f, one);
            first = arith::CmpIOp::create(b, l, P::eq, odd, zero);
            partner = arith::SelectOp::create(b, l, first, arith::AddIOp::create(b, l, f, one),
                                              arith::SubIOp::create(b, l, f, one));
            pairIndex = arith::ShRUIOp::create(b, l, f, one);
          } else {
            Value halfRotary = arith::ShRUIOp::create(b, l, rotary, one);
            first = arith::CmpIOp::create(b, l, P::ult, f, halfRotary);
            partner = arith::SelectOp::create(b, l, first,
                                              arith::AddIOp::create(b, l, f, halfRotary),
                                              arith::SubIOp::create(b, l, f, halfRotary));
            pairIndex = arith::SelectOp::create(b, l, first, f, partner);
          }
          Value angle = arith::SelectOp::create(b, l, perFeature, f, pairIndex);
          partner = arith::SelectOp::create(b, l, rotated, partner, f);
          angle = arith::SelectOp::create(b, l, rotated, angle, zero);

          SmallVector<Value> partnerIdx(idx);
          partnerIdx.back() = partner;
          SmallVector<Value> tableIdx;
          for (int64_t t = 0; t + 1 < tableRank; ++t)
            tableIdx.push_back(tableType.getDimSize(t) == 1 ? zero : idx[t + rank - tableRank]);
          tableIdx.push_back(angle);
          auto load = [&](Value source, ValueRange at) -> Value {
            Value v = tensor::ExtractOp::create(b, l, source, at);
            return widen ? Value(arith::ExtFOp::create(b, l, compute, v)) : v;
          };
          Value self = widen ? Value(arith::ExtFOp::create(b, l, compute, args[0])) : args[0];
          Value other = load(x, partnerIdx);
          Value c = load(cosTable, tableIdx), s = load(sinTable, tableIdx);
          other = arith::SelectOp::create(b, l, first, arith::NegFOp::create(b, l, other), other);
          Value y = arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, self, c),
                                          arith::MulFOp::create(b, l, other, s));
          y = arith::SelectOp::create(b, l, rotated, y, self);
          linalg::YieldOp::create(b, l,
                                  widen ? Value(arith::TruncFOp::create(b, l, element, y)) : y);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void kiln::populateRotaryEmbeddingToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<RotaryEmbeddingToLinalg>(patterns.getContext());
}
