//===- IndexingToLinalg.cpp - GatherND, ScatterND, ScatterElements --------===//
//
// Reads and writes at index tuples that the graph computes. Every index is checked at run
// time (IndexChecks.cpp): out of range, nothing is touched and the run fails naming the node.
//
//   Tile            a linalg.generic over the result reading input[i mod dim].
//   GatherND        a linalg.generic over the result; each element reads `data` at the tuple
//                   read from `indices` (batch dims first).
//   ScatterND,      a loop nest (scf.for) over `updates` carrying the result tensor: each
//   ScatterElements update is written (or combined, per `reduction`) into its target element
//                   in order, so repeated indices behave as in onnxruntime's reference (the
//                   last write wins for `none`; the others accumulate).
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

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx;

namespace {

Value minIndex(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MinSIOp::create(b, loc, x, y);
}

/// `old` combined with `update` by a scatter `reduction`; null when the element type has no
/// such combination.
Value combine(OpBuilder &b, Location loc, StringRef reduction, Value old, Value update) {
  Type t = update.getType();
  if (reduction == "none")
    return update;
  if (isa<FloatType>(t)) {
    if (reduction == "add")
      return arith::AddFOp::create(b, loc, old, update);
    if (reduction == "mul")
      return arith::MulFOp::create(b, loc, old, update);
    if (reduction == "max")
      return arith::MaximumFOp::create(b, loc, old, update);
    if (reduction == "min")
      return arith::MinimumFOp::create(b, loc, old, update);
    return Value();
  }
  if (!t.isSignlessInteger() || t.isInteger(1))
    return Value();
  if (reduction == "add")
    return arith::AddIOp::create(b, loc, old, update);
  if (reduction == "mul")
    return arith::MulIOp::create(b, loc, old, update);
  if (reduction == "max")
    return arith::MaxSIOp::create(b, loc, old, update);
  if (reduction == "min")
    return arith::MinSIOp::create(b, loc, old, update);
  return Value();
}

bool hasCombination(StringRef reduction, Type element) {
  if (reduction == "none")
    return true;
  return isa<FloatType>(element) || (element.isSignlessInteger() && !element.isInteger(1));
}

/// The result tensor `acc` with the element at `target` combined with `update`, when every
/// checked index is in range; unchanged (and the run fails naming the node) otherwise.
Value scatterElement(OpBuilder &b, Location loc, Operation *op, StringRef reduction, Value acc,
                     SmallVector<Value> target, ArrayRef<IndexOperand> operands,
                     ArrayRef<CheckedIndex> checked, Value update) {
  auto ifOp = scf::IfOp::create(
      b, loc, allInRange(b, loc, checked),
      [&](OpBuilder &tb, Location l) {
        Value old = reduction == "none" ? Value() : tensor::ExtractOp::create(tb, l, acc, target);
        Value value = combine(tb, l, reduction, old, update);
        scf::YieldOp::create(tb, l, ValueRange{tensor::InsertOp::create(tb, l, value, acc, target)});
      },
      [&](OpBuilder &eb, Location l) {
        reportIndexErrors(eb, l, op, operands, checked);
        scf::YieldOp::create(eb, l, ValueRange{acc});
      });
  return ifOp.getResult(0);
}

struct GatherNDToLinalg : OpConversionPattern<GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherNDOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto data = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto indices = dyn_cast<RankedTensorType>(adaptor.getIndices().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!data || !indices || !result || indices.getRank() == 0 ||
        indices.isDynamicDim(indices.getRank() - 1))
      return rejectLowering(rewriter, op, "ranks or the index tuple length are not static");
    Location loc = op.getLoc();
    int64_t q = indices.getRank(), k = indices.getShape().back();
    int64_t batch = (int64_t)op.getBatchDims();
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < result.getRank(); ++i) {
      if (!result.isDynamicDim(i))
        sizes.push_back(rewriter.getIndexAttr(result.getDimSize(i)));
      else if (i < q - 1)
        sizes.push_back(dimOf(rewriter, loc, adaptor.getIndices(), i));
      else
        sizes.push_back(dimOf(rewriter, loc, adaptor.getData(), batch + k + i - (q - 1)));
    }
    SmallVector<Value> tupleDims;
    for (int64_t c = 0; c < k; ++c)
      tupleDims.push_back(dimOf(rewriter, loc, adaptor.getData(), batch + c));
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, result.getElementType());
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(result.getRank())};
    SmallVector<utils::IteratorType> iterators(result.getRank(), utils::IteratorType::parallel);
    Value dataValue = adaptor.getData(), indexValue = adaptor.getIndices();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{result}, ValueRange{}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> ivs;
          for (int64_t i = 0; i < result.getRank(); ++i)
            ivs.push_back(linalg::IndexOp::create(b, l, i));
          SmallVector<Value> coords(ivs.begin(), ivs.begin() + batch);
          SmallVector<Value> tuple(ivs.begin(), ivs.begin() + (q - 1));
          tuple.push_back(Value());
          SmallVector<IndexOperand> operands;
          for (int64_t c = 0; c < k; ++c) {
            tuple.back() = indexConst(b, l, c);
            coords.push_back(Value());
            operands.push_back({batch + c, tensor::ExtractOp::create(b, l, indexValue, tuple),
                                tupleDims[c]});
          }
          coords.append(ivs.begin() + (q - 1), ivs.end());
          linalg::YieldOp::create(b, l, checkedGatherRead(b, l, op, dataValue, coords, operands));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// Tile: out[i...] = input[i mod dim...], each result dim the input's times its repeat count
/// (from the run-time `repeats` tensor where the result dim is not static).
struct TileToLinalg : OpConversionPattern<TileOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TileOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!in || !result || in.getRank() != result.getRank())
      return rejectLowering(rewriter, op, "rank unknown");
    Location loc = op.getLoc();
    int64_t rank = in.getRank();
    SmallVector<OpFoldResult> sizes;
    SmallVector<Value> inDims;
    for (int64_t i = 0; i < rank; ++i) {
      inDims.push_back(dimOf(rewriter, loc, adaptor.getInput(), i));
      if (!result.isDynamicDim(i)) {
        sizes.push_back(rewriter.getIndexAttr(result.getDimSize(i)));
        continue;
      }
      Value repeat = tensor::ExtractOp::create(rewriter, loc, adaptor.getRepeats(),
                                               ValueRange{indexConst(rewriter, loc, i)});
      repeat = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), repeat);
      repeat = arith::MaxSIOp::create(rewriter, loc, repeat, indexConst(rewriter, loc, 0));
      sizes.push_back(arith::MulIOp::create(rewriter, loc, inDims[i], repeat).getResult());
    }
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, result.getElementType());
    Value input = adaptor.getInput();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> coords;
          for (int64_t i = 0; i < rank; ++i)
            coords.push_back(arith::RemUIOp::create(b, l, linalg::IndexOp::create(b, l, i),
                                                    inDims[i]));
          linalg::YieldOp::create(b, l, ValueRange{tensor::ExtractOp::create(b, l, input, coords)});
        });
    Value out = generic.getResult(0);
    if (out.getType() != result)
      out = tensor::CastOp::create(rewriter, loc, result, out);
    rewriter.replaceOp(op, out);
    return success();
  }
};

struct ScatterNDToLoops : OpConversionPattern<ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ScatterNDOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto data = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto indices = dyn_cast<RankedTensorType>(adaptor.getIndices().getType());
    auto updates = dyn_cast<RankedTensorType>(adaptor.getUpdates().getType());
    if (!data || !indices || !updates || indices.getRank() == 0 ||
        indices.isDynamicDim(indices.getRank() - 1))
      return rejectLowering(rewriter, op, "ranks or the index tuple length are not static");
    StringRef reduction = op.getReduction();
    if (!hasCombination(reduction, data.getElementType()))
      return rejectLowering(rewriter, op, "reduction '" + reduction + "' on this element type");
    Location loc = op.getLoc();
    int64_t r = data.getRank(), q = indices.getRank(), k = indices.getShape().back();
    if (updates.getRank() != q - 1 + r - k)
      return rejectLowering(rewriter, op, "updates rank does not match");
    // The loops run over `updates`, clipped to the dims it must share with indices and data,
    // so a mismatch at run time reads nothing outside either.
    SmallVector<Value> lbs, ubs, steps;
    for (int64_t i = 0; i < updates.getRank(); ++i) {
      Value u = dimOf(rewriter, loc, adaptor.getUpdates(), i);
      Value other = i < q - 1 ? dimOf(rewriter, loc, adaptor.getIndices(), i)
                              : dimOf(rewriter, loc, adaptor.getData(), k + i - (q - 1));
      lbs.push_back(indexConst(rewriter, loc, 0));
      ubs.push_back(minIndex(rewriter, loc, u, other));
      steps.push_back(indexConst(rewriter, loc, 1));
    }
    SmallVector<Value> tupleDims;
    for (int64_t c = 0; c < k; ++c)
      tupleDims.push_back(dimOf(rewriter, loc, adaptor.getData(), c));
    Value indexValue = adaptor.getIndices(), updateValue = adaptor.getUpdates();
    scf::LoopNest nest = scf::buildLoopNest(
        rewriter, loc, lbs, ubs, steps, ValueRange{adaptor.getData()},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange acc) -> scf::ValueVector {
          SmallVector<Value> tuple(ivs.begin(), ivs.begin() + (q - 1)), target;
          tuple.push_back(Value());
          SmallVector<IndexOperand> operands;
          SmallVector<CheckedIndex> checked;
          for (int64_t c = 0; c < k; ++c) {
            tuple.back() = indexConst(b, l, c);
            operands.push_back({c, tensor::ExtractOp::create(b, l, indexValue, tuple),
                                tupleDims[c]});
            checked.push_back(checkIndex(b, l, operands.back().index, tupleDims[c]));
            target.push_back(checked.back().index);
          }
          target.append(ivs.begin() + (q - 1), ivs.end());
          Value update = tensor::ExtractOp::create(b, l, updateValue, ivs);
          return {scatterElement(b, l, op, reduction, acc[0], target, operands, checked, update)};
        });
    rewriter.replaceOp(op, nest.results.front());
    return success();
  }
};

struct ScatterElementsToLoops : OpConversionPattern<ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ScatterElementsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto data = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto indices = dyn_cast<RankedTensorType>(adaptor.getIndices().getType());
    auto updates = dyn_cast<RankedTensorType>(adaptor.getUpdates().getType());
    if (!data || !indices || !updates || indices.getRank() != data.getRank() ||
        updates.getRank() != data.getRank())
      return rejectLowering(rewriter, op, "ranks unknown or mismatched");
    StringRef reduction = op.getReduction();
    if (!hasCombination(reduction, data.getElementType()))
      return rejectLowering(rewriter, op, "reduction '" + reduction + "' on this element type");
    Location loc = op.getLoc();
    int64_t rank = data.getRank();
    int64_t axis = (int64_t)op.getAxis() < 0 ? (int64_t)op.getAxis() + rank : (int64_t)op.getAxis();
    SmallVector<Value> lbs, ubs, steps;
    for (int64_t i = 0; i < rank; ++i) {
      Value n = minIndex(rewriter, loc, dimOf(rewriter, loc, adaptor.getIndices(), i),
                         dimOf(rewriter, loc, adaptor.getUpdates(), i));
      if (i != axis) // other coordinates index data directly
        n = minIndex(rewriter, loc, n, dimOf(rewriter, loc, adaptor.getData(), i));
      lbs.push_back(indexConst(rewriter, loc, 0));
      ubs.push_back(n);
      steps.push_back(indexConst(rewriter, loc, 1));
    }
    Value axisDim = dimOf(rewriter, loc, adaptor.getData(), axis);
    Value indexValue = adaptor.getIndices(), updateValue = adaptor.getUpdates();
    scf::LoopNest nest = scf::buildLoopNest(
        rewriter, loc, lbs, ubs, steps, ValueRange{adaptor.getData()},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange acc) -> scf::ValueVector {
          IndexOperand operand{axis, tensor::ExtractOp::create(b, l, indexValue, ivs), axisDim};
          CheckedIndex checked = checkIndex(b, l, operand.index, axisDim);
          SmallVector<Value> target(ivs.begin(), ivs.end());
          target[axis] = checked.index;
          Value update = tensor::ExtractOp::create(b, l, updateValue, ivs);
          return {scatterElement(b, l, op, reduction, acc[0], target, {operand}, {checked},
                                 update)};
        });
    rewriter.replaceOp(op, nest.results.front());
    return success();
  }
};

} // namespace

void kiln::populateIndexingToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<GatherNDToLinalg, TileToLinalg, ScatterNDToLoops, ScatterElementsToLoops>(
      patterns.getContext());
}
