//===- PadToLinalg.cpp - onnx.Pad in every mode, pads known or not -------===//
//
// Pad as one linalg.generic that computes, for each output element, the input element it
// comes from: out[i] = in[src(i - low)] per dim, where `src` is the identity (constant mode:
// the padding value outside the input), a clamp (edge), a reflection without the border
// (reflect) or a modulo (wrap). The pads and axes are read at run time, so they may be graph
// inputs; negative pads crop. The result dim is in + low + high (clamped at zero). Nothing
// outside the input is read, whatever the pads: an empty input gives the padding value.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoweringDiagnostics.h"
#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"

#include "dialects/ONNX/ONNXDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx;

namespace {

enum class PadMode { constant, edge, reflect, wrap };

std::optional<PadMode> parseMode(StringRef mode) {
  return llvm::StringSwitch<std::optional<PadMode>>(mode)
      .Case("constant", PadMode::constant)
      .Case("edge", PadMode::edge)
      .Case("reflect", PadMode::reflect)
      .Case("wrap", PadMode::wrap)
      .Default(std::nullopt);
}

/// `a` mod `n` in [0, n) for n > 0.
Value positiveMod(OpBuilder &b, Location loc, Value a, Value n) {
  Value r = arith::RemSIOp::create(b, loc, a, n);
  Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, indexConst(b, loc, 0));
  return arith::SelectOp::create(b, loc, neg, arith::AddIOp::create(b, loc, r, n), r);
}

/// The source coordinate of `pos` (an output coordinate minus the low pad) in a dim of size
/// `n` > 0, and whether it is inside the input (always, except in constant mode).
std::pair<Value, Value> sourceCoordinate(OpBuilder &b, Location loc, PadMode mode, Value pos,
                                         Value n) {
  Value zero = indexConst(b, loc, 0), one = indexConst(b, loc, 1);
  Value last = arith::SubIOp::create(b, loc, n, one);
  Value inside = arith::ConstantIntOp::create(b, loc, 1, 1);
  switch (mode) {
  case PadMode::constant:
    inside = arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, pos, zero),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, pos, n));
    [[fallthrough]];
  case PadMode::edge:
    pos = arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, pos, zero), last);
    break;
  case PadMode::reflect: {
    // Period 2(n-1): 0 1 .. n-1 n-2 .. 1; a one-element dim repeats its element.
    Value period = arith::MaxSIOp::create(
        b, loc, arith::MulIOp::create(b, loc, last, indexConst(b, loc, 2)), one);
    Value m = positiveMod(b, loc, pos, period);
    Value back = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, m, last);
    pos = arith::SelectOp::create(b, loc, back, arith::SubIOp::create(b, loc, period, m), m);
    break;
  }
  case PadMode::wrap:
    pos = positiveMod(b, loc, pos, n);
    break;
  }
  return {pos, inside};
}

struct PadToLinalg : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(PadOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    auto padsType = dyn_cast<RankedTensorType>(adaptor.getPads().getType());
    if (!in || !result || result.getRank() != in.getRank())
      return rejectLowering(rewriter, op, "rank unknown");
    std::optional<PadMode> mode = parseMode(op.getMode());
    if (!mode)
      return rejectLowering(rewriter, op, "mode '" + op.getMode().str() + "' is not constant, "
                                          "edge, reflect or wrap");
    int64_t rank = in.getRank();
    int64_t count = rank;
    if (Value axes = adaptor.getAxes()) {
      auto axesType = dyn_cast<RankedTensorType>(axes.getType());
      if (!axesType || axesType.getRank() != 1 || axesType.isDynamicDim(0))
        return rejectLowering(rewriter, op, "axes is not a 1-D tensor of static length");
      count = axesType.getDimSize(0);
    }
    if (!padsType || padsType.getRank() != 1 || padsType.getDimSize(0) != 2 * count)
      return rejectLowering(rewriter, op, "pads is not a 1-D tensor of twice as many entries "
                                          "as padded axes");
    Location loc = op.getLoc();
    Value zero = indexConst(rewriter, loc, 0);

    // low[d], high[d]: the pads of the axes entries that name d (negative axes count from
    // the end).
    SmallVector<Value> low(rank, zero), high(rank, zero);
    for (int64_t j = 0; j < count; ++j) {
      Value lo = extractIndex(rewriter, loc, adaptor.getPads(), j);
      Value hi = extractIndex(rewriter, loc, adaptor.getPads(), j + count);
      if (!adaptor.getAxes()) {
        low[j] = lo, high[j] = hi;
        continue;
      }
      SmallVector<Value> named = entryNamesDims(rewriter, loc, adaptor.getAxes(), j, rank);
      for (int64_t d = 0; d < rank; ++d) {
        low[d] = arith::SelectOp::create(rewriter, loc, named[d], lo, low[d]);
        high[d] = arith::SelectOp::create(rewriter, loc, named[d], hi, high[d]);
      }
    }

    Value data = adaptor.getData();
    SmallVector<Value> inDims, outDims;
    Value empty = arith::ConstantIntOp::create(rewriter, loc, 0, 1);
    for (int64_t d = 0; d < rank; ++d) {
      Value n = dimOf(rewriter, loc, data, d);
      inDims.push_back(n);
      empty = arith::OrIOp::create(
          rewriter, loc, empty,
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, n, zero));
      Value size = arith::AddIOp::create(
          rewriter, loc, arith::AddIOp::create(rewriter, loc, n, low[d]), high[d]);
      if (result.isDynamicDim(d))
        outDims.push_back(arith::MaxSIOp::create(rewriter, loc, size, zero));
    }

    Type element = in.getElementType();
    Value padValue;
    if (Value c = adaptor.getConstantValue();
        c && *mode == PadMode::constant && cast<ShapedType>(c.getType()).getRank() <= 1)
      padValue = tensor::ExtractOp::create(
          rewriter, loc, c,
          SmallVector<Value>(cast<ShapedType>(c.getType()).getRank(), zero));
    else
      padValue = arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(element));

    Value init = tensor::EmptyOp::create(rewriter, loc, result.getShape(), element, outDims);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{result}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> coords;
          Value inside = arith::XOrIOp::create(b, l, empty,
                                               arith::ConstantIntOp::create(b, l, 1, 1));
          for (int64_t d = 0; d < rank; ++d) {
            Value pos = arith::SubIOp::create(b, l, linalg::IndexOp::create(b, l, d), low[d]);
            auto [src, ok] = sourceCoordinate(b, l, *mode, pos, inDims[d]);
            coords.push_back(src);
            inside = arith::AndIOp::create(b, l, inside, ok);
          }
          auto read = scf::IfOp::create(
              b, l, inside,
              [&](OpBuilder &tb, Location tl) {
                scf::YieldOp::create(tb, tl,
                                     Value(tensor::ExtractOp::create(tb, tl, data, coords)));
              },
              [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, padValue); });
          linalg::YieldOp::create(b, l, read.getResult(0));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void kiln::populatePadToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<PadToLinalg>(patterns.getContext());
}
