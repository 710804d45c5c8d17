//===- MergedHeads.cpp - attention computed on merged [B*H, ...] dims ------===//
//
// Older exporters and some models (Bloom's baddbmm with the ALiBi bias, DeBERTa's
// disentangled attention, torch 1.x's bmm) compute attention on 3-D tensors whose leading
// dim is the batch and the heads merged, `[B*H, S, D]`, and split it again into `[B, H, ...]`
// around the Softmax or at the end. The ops in between (MatMul, Transpose of the inner dims,
// elementwise arithmetic, GatherElements, Expand, Tile) treat that dim as a batch dim, so the
// split can move to where the merge happened:
//
//   Reshape(f(Reshape(Q4, [B*H, S, D]), ...), [B, H, S, T])  ==  f'(Q4, ...)
//
// where f' is f on one more leading dim. `LiftMergedLeadingDims` rewrites the split Reshape
// that way when every leaf of f is a merge of [B, H] (proven with the products of
// SymbolicProducts.cpp, no static shapes needed), a tensor broadcast over the merged dim, or
// one built from a KV-head tensor by Tile/Expand. The attention matcher then sees the plain
// 4-D form.
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionUtils.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/SymbolicDims.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace kiln;
using onnx::DimProduct;

namespace {

RankedTensorType rankedType(Value v) { return dyn_cast<RankedTensorType>(v.getType()); }

bool isElementwise(Operation *op) {
  static const llvm::StringSet<> names = {
      "onnx.Add",  "onnx.Sub",         "onnx.Mul",           "onnx.Div",     "onnx.Pow",
      "onnx.Max",  "onnx.Min",         "onnx.Where",         "onnx.And",     "onnx.Or",
      "onnx.Not",  "onnx.Equal",       "onnx.Less",          "onnx.Greater", "onnx.Cast",
      "onnx.Neg",  "onnx.Exp",         "onnx.Tanh",          "onnx.Erf",     "onnx.Sqrt",
      "onnx.Abs",  "onnx.Identity",    "onnx.Clip",          "onnx.Sigmoid", "onnx.Reciprocal",
      "onnx.Relu", "onnx.LessOrEqual", "onnx.GreaterOrEqual"};
  return names.contains(op->getName().getStringRef());
}

/// Rewrites the tree under a split Reshape onto the split dims. Run once without a rewriter
/// to check that it can, then with one to build; both walks take the same decisions.
class Lifter {
public:
  Lifter(onnx::ReshapeOp split, DimProduct d0, DimProduct d1)
      : split(split), splitType(rankedType(split.getResult())), d0(std::move(d0)),
        d1(std::move(d1)), merged(this->d0 * this->d1),
        rank(rankedType(split.getData()).getRank()) {}

  /// `v` (rank `rank`, dim 0 the merged d0*d1) on [d0, d1, ...]; a null value while checking.
  FailureOr<Value> lift(Value v, Type resultType = {});

  bool sawMerge() const { return splitSource != nullptr; }
  /// The values of the old tree, which the lifted one replaces.
  SmallVector<Value> replaced() const { return llvm::to_vector(llvm::make_first_range(built)); }
  void startBuilding(PatternRewriter &r) {
    rewriter = &r;
    built.clear();
  }

private:
  bool isMerged(Value v, int64_t dim) const {
    std::optional<DimProduct> p = onnx::getDimProduct(v, dim);
    return p && *p == merged;
  }
  bool is(Value v, int64_t dim, const DimProduct &expected) const {
    std::optional<DimProduct> p = onnx::getDimProduct(v, dim);
    return p && *p == expected;
  }
  /// [d0, d1, dims of v after the first].
  RankedTensorType liftedType(Value v) const {
    auto type = rankedType(v);
    SmallVector<int64_t> shape(splitType.getShape().take_front(2));
    llvm::append_range(shape, type.getShape().drop_front());
    return RankedTensorType::get(shape, type.getElementType());
  }
  FailureOr<Value> liftOperand(Value x);
  FailureOr<Value> liftMerge(onnx::ReshapeOp merge, Type type);
  FailureOr<Value> liftTile(onnx::TileOp tile, Type type);
  FailureOr<Value> liftExpand(onnx::ExpandOp expand, Type type);
  Value clone(Operation *op, ValueRange operands, Type type);
  Value unsqueezeFront(Value x);
  Value constant(ArrayRef<int64_t> values);
  Value sliceOf(Value shape, int64_t begin, int64_t end);
  Value concat(ValueRange parts);
  /// Shape(z)[0:2]: d0 and d1 read off a tensor that has them as its leading dims.
  Value leadingDims(Value z);

  onnx::ReshapeOp split;
  RankedTensorType splitType;
  DimProduct d0, d1, merged;
  int64_t rank;
  PatternRewriter *rewriter = nullptr;
  /// A tensor whose dims 0 and 1 are d0 and d1: where the lifted shapes read them from.
  Value splitSource;
  llvm::DenseSet<Value> checked;
  llvm::DenseMap<Value, Value> built;
};

Value Lifter::constant(ArrayRef<int64_t> values) {
  return fusion::createI64Vector(*rewriter, split.getLoc(), values);
}

Value Lifter::sliceOf(Value shape, int64_t begin, int64_t end) {
  return fusion::createInferred<onnx::SliceOp>(*rewriter, split.getLoc(), rewriter->getI64Type(),
                                               shape, constant({begin}), constant({end}),
                                               constant({0}), Value());
}

Value Lifter::leadingDims(Value z) {
  return onnx::ShapeOp::create(*rewriter, split.getLoc(),
                               RankedTensorType::get({2}, rewriter->getI64Type()), z,
                               rewriter->getI64IntegerAttr(2), rewriter->getI64IntegerAttr(0));
}

Value Lifter::concat(ValueRange parts) {
  return fusion::createInferred<onnx::ConcatOp>(*rewriter, split.getLoc(), rewriter->getI64Type(),
                                                parts, rewriter->getI64IntegerAttr(0));
}

Value Lifter::unsqueezeFront(Value x) {
  return fusion::createInferred<onnx::UnsqueezeOp>(
      *rewriter, x.getLoc(), rankedType(x).getElementType(), x, constant({0}));
}

Value Lifter::clone(Operation *op, ValueRange operands, Type type) {
  OperationState state(op->getLoc(), op->getName());
  state.addOperands(operands);
  state.addAttributes(op->getAttrs());
  state.addTypes(type);
  return rewriter->create(state)->getResult(0);
}

FailureOr<Value> Lifter::liftOperand(Value x) {
  auto type = rankedType(x);
  if (!type)
    return failure();
  if (type.getRank() < rank) // broadcast from the right: the new leading dim changes nothing
    return x;
  if (type.getRank() != rank)
    return failure();
  if (isMerged(x, 0))
    return lift(x);
  if (type.getDimSize(0) != 1)
    return failure();
  return rewriter ? unsqueezeFront(x) : Value();
}

FailureOr<Value> Lifter::liftMerge(onnx::ReshapeOp merge, Type type) {
  // Reshape(Z, [d0*d1, ...]) with Z = [d0, d1, ...]: Z itself when the other dims are Z's,
  // else Reshape(Z, [d0, d1, ...]).
  Value z = merge.getData(), v = merge.getResult();
  auto zType = rankedType(z);
  if (!zType || zType.getRank() < 2 || !is(z, 0, d0) || !is(z, 1, d1))
    return failure();
  bool same = zType.getRank() == rank + 1;
  for (int64_t i = 1; same && i < rank; ++i)
    same = onnx::dimProductsEqual(v, i, z, i + 1);
  std::optional<onnx::Shape> target = onnx::getShapeValue(merge.getShape());
  if (!same && (!target || (int64_t)target->size() != rank ||
                llvm::is_contained(ArrayRef(*target).drop_front(), 0)))
    return failure();
  if (!splitSource)
    splitSource = z;
  if (!rewriter)
    return Value();
  if (same && z.getType() == type)
    return z;
  Value shape = concat({leadingDims(z), sliceOf(merge.getShape(), 1, rank)});
  return onnx::ReshapeOp::create(*rewriter, merge.getLoc(), type, z, shape, 0).getResult();
}

FailureOr<Value> Lifter::liftTile(onnx::TileOp tile, Type type) {
  std::optional<SmallVector<int64_t>> length = onnx::getShapeValue(tile.getRepeats());
  Value x = tile.getInput();
  if (!length || (int64_t)length->size() != rank || !rankedType(x) ||
      rankedType(x).getRank() != rank)
    return failure();
  std::optional<DimProduct> times = onnx::getShapeEntryProduct(tile.getRepeats(), 0);
  if (!times)
    return failure();
  if (isMerged(x, 0) && *times == DimProduct{1, {}}) {
    // Each merged row repeated once: Tile x on [d0, d1, ...] with one more repeat of 1.
    FailureOr<Value> lifted = lift(x);
    if (failed(lifted) || !rewriter)
      return lifted;
    return clone(tile, {*lifted, concat({constant({1}), tile.getRepeats()})}, type);
  }
  if (is(x, 0, d1) && *times == d0) {
    // A [d1, ...] tensor repeated d0 times along the merged dim: row b*d1 + h is x[h].
    if (!rewriter)
      return Value();
    Value repeats = concat(
        {sliceOf(tile.getRepeats(), 0, 1), constant({1}), sliceOf(tile.getRepeats(), 1, rank)});
    return clone(tile, {unsqueezeFront(x), repeats}, type);
  }
  return failure();
}

FailureOr<Value> Lifter::liftExpand(onnx::ExpandOp expand, Type type) {
  std::optional<SmallVector<int64_t>> length = onnx::getShapeValue(expand.getShape());
  if (!length || (int64_t)length->size() != rank)
    return failure();
  FailureOr<Value> x = liftOperand(expand.getInput());
  if (failed(x) || !rewriter)
    return x;
  if (!splitSource) // no merge below the Expand to read [d0, d1] from
    return failure();
  return clone(expand,
               {*x, concat({leadingDims(splitSource), sliceOf(expand.getShape(), 1, rank)})}, type);
}

FailureOr<Value> Lifter::lift(Value v, Type resultType) {
  if (!rewriter && !checked.insert(v).second)
    return Value();
  if (rewriter)
    if (Value done = built.lookup(v))
      return done;
  Operation *op = v.getDefiningOp();
  auto type = rankedType(v);
  if (!op || !type || type.getRank() != rank || op->getNumResults() != 1)
    return failure();
  Type lifted = resultType ? resultType : liftedType(v);
  FailureOr<Value> result = failure();
  if (auto merge = dyn_cast<onnx::ReshapeOp>(op)) {
    result = liftMerge(merge, lifted);
  } else if (auto tile = dyn_cast<onnx::TileOp>(op)) {
    result = liftTile(tile, lifted);
  } else if (auto expand = dyn_cast<onnx::ExpandOp>(op)) {
    result = liftExpand(expand, lifted);
  } else if (auto transpose = dyn_cast<onnx::TransposeOp>(op)) {
    std::optional<ArrayRef<int64_t>> perm = transpose.getPerm();
    if (perm && (*perm)[0] == 0) {
      result = lift(transpose.getData());
      if (succeeded(result) && rewriter) {
        SmallVector<int64_t> newPerm = {0, 1};
        for (int64_t p : perm->drop_front())
          newPerm.push_back(p + 1);
        auto t = cast<onnx::TransposeOp>(clone(op, *result, lifted).getDefiningOp());
        t.setPerm(newPerm);
        result = t.getResult();
      }
    }
  } else if (isa<onnx::GatherElementsOp, onnx::MatMulOp>(op) || isElementwise(op)) {
    if (auto gather = dyn_cast<onnx::GatherElementsOp>(op);
        gather && onnx::normalizeAxis(gather.getAxis(), rank) == 0)
      return failure();
    if (isa<onnx::MatMulOp>(op) && rank < 3)
      return failure();
    SmallVector<Value> operands;
    for (Value operand : op->getOperands()) {
      FailureOr<Value> x = liftOperand(operand);
      if (failed(x))
        return failure();
      operands.push_back(*x);
    }
    result = Value();
    if (rewriter) {
      result = clone(op, operands, lifted);
      if (auto gather = dyn_cast<onnx::GatherElementsOp>(result->getDefiningOp()))
        gather.setAxis(*onnx::normalizeAxis(gather.getAxis(), rank) + 1);
    }
  }
  if (succeeded(result) && rewriter)
    built[v] = *result;
  return result;
}

/// A product of dims as a 1-D i64 tensor of one entry, read with Shape from its factors' roots.
Value materializeProduct(PatternRewriter &rewriter, Location loc, const DimProduct &p) {
  auto entryType = RankedTensorType::get({1}, rewriter.getI64Type());
  Value result;
  for (const onnx::DimValue &f : p.factors) {
    Value dim = onnx::ShapeOp::create(rewriter, loc, entryType, f.source,
                                      rewriter.getI64IntegerAttr(f.index + 1),
                                      rewriter.getI64IntegerAttr(f.index));
    result = result ? onnx::MulOp::create(rewriter, loc, entryType, result, dim).getResult() : dim;
  }
  if (p.coefficient == 1 && result)
    return result;
  Value c = fusion::createI64Vector(rewriter, loc, {p.coefficient});
  return result ? onnx::MulOp::create(rewriter, loc, entryType, result, c).getResult() : c;
}

/// Shape(v) computed from the roots of v's dims, so that reading v's shape no longer keeps
/// the computation of v alive; null when a dim is not known as a product.
Value shapeFromRoots(PatternRewriter &rewriter, onnx::ShapeOp shape) {
  auto type = rankedType(shape.getData());
  if (!type)
    return {};
  int64_t rank = type.getRank();
  auto clampAxis = [&](int64_t a) { return std::clamp<int64_t>(a < 0 ? a + rank : a, 0, rank); };
  int64_t start = clampAxis(shape.getStart());
  int64_t end = shape.getEnd() ? clampAxis(*shape.getEnd()) : rank;
  SmallVector<onnx::DimProduct> dims;
  for (int64_t d = start; d < end; ++d) {
    std::optional<DimProduct> p = onnx::getDimProduct(shape.getData(), d);
    if (!p)
      return {};
    dims.push_back(*p);
  }
  if (dims.empty())
    return {};
  rewriter.setInsertionPoint(shape);
  SmallVector<Value> entries;
  for (const DimProduct &p : dims)
    entries.push_back(materializeProduct(rewriter, shape.getLoc(), p));
  if (entries.size() == 1)
    return entries[0];
  return fusion::createInferred<onnx::ConcatOp>(rewriter, shape.getLoc(), rewriter.getI64Type(),
                                                entries, rewriter.getI64IntegerAttr(0));
}

/// Reshape(Y, [d0, d1, rest...]) of a Y = [d0*d1, rest...] computed on merged dims.
struct LiftMergedLeadingDims : OpRewritePattern<onnx::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::ReshapeOp split, PatternRewriter &rewriter) const override {
    Value y = split.getData(), out = split.getResult();
    auto yType = rankedType(y), outType = rankedType(out);
    if (!yType || !outType || yType.getRank() < 2 || outType.getRank() != yType.getRank() + 1)
      return failure();
    std::optional<DimProduct> d0 = onnx::getDimProduct(out, 0), d1 = onnx::getDimProduct(out, 1),
                              merged = onnx::getDimProduct(y, 0);
    if (!d0 || !d1 || !merged || !(*d0 * *d1 == *merged))
      return failure();
    for (int64_t i = 1; i < yType.getRank(); ++i)
      if (!onnx::dimProductsEqual(out, i + 1, y, i))
        return failure();
    Lifter lifter(split, *d0, *d1);
    if (failed(lifter.lift(y, outType)) || !lifter.sawMerge())
      return rewriter.notifyMatchFailure(split, "not a computation on merged leading dims");
    rewriter.setInsertionPoint(split);
    lifter.startBuilding(rewriter);
    FailureOr<Value> lifted = lifter.lift(y, outType);
    assert(succeeded(lifted) && "the check walk accepted this tree");
    rewriter.replaceOp(split, *lifted);
    // What else reads the old tree's shapes (the head merge after the attention) reads the
    // roots instead, so that the old tree is dead.
    for (Value old : lifter.replaced())
      for (Operation *user : llvm::make_early_inc_range(old.getUsers()))
        if (auto shape = dyn_cast<onnx::ShapeOp>(user))
          if (Value fromRoots = shapeFromRoots(rewriter, shape))
            rewriter.replaceOp(shape, fromRoots);
    return success();
  }
};

} // namespace

void kiln::fusion::populateMergedHeadPatterns(RewritePatternSet &patterns) {
  patterns.add<LiftMergedLeadingDims>(patterns.getContext());
}
