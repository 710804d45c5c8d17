//===- ScalarizeShapeTensors.cpp - kiln-scalarize-shape-tensors -----------===//
//
// An exported graph computes its Reshape targets with ops on shape tensors: Shape, Gather of
// one entry, Unsqueeze, Concat, arithmetic. When a dim is dynamic, folding at the onnx level
// cannot remove them, and the lowering makes each one a tensor op of a few integers: on the
// CPU a loop of one iteration, on the GPU a kernel of one thread whose result the host then
// reads back before it can launch the Reshape's consumer (BERT-tiny had 83 such kernels of
// 132). Their operands are scalars the host already has (dims, constants), so this pass
// computes them as scalars: an op whose result is a small statically shaped integer tensor
// and whose every tensor operand is a `tensor.from_elements` or a constant becomes a
// `tensor.from_elements` of its elements, each computed by the op's own scalar code;
// `tensor.extract` of the result then folds to the element, and the chain dissolves into
// host arithmetic. Ops on tensors that live in memory (an activation, a weight) are left alone.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Kiln/KilnDialect.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_SCALARIZESHAPETENSORS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The most elements a scalarized result has: shape tensors have one per dim.
constexpr int64_t kMaxElements = 16;

/// A small, statically shaped tensor of integers (or indices, or booleans).
bool isShapeTensorType(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.hasStaticShape() && tensor.getNumElements() <= kMaxElements &&
         tensor.getElementType().isIntOrIndex();
}

/// Whether the host has `value`'s elements as scalars.
bool isHostKnown(Value value) {
  if (value.getDefiningOp<tensor::FromElementsOp>())
    return true;
  auto constant = value.getDefiningOp<arith::ConstantOp>();
  return constant && isa<DenseElementsAttr>(constant.getValue());
}

/// The elements of `tensor` in row-major order, as scalars (extracts that fold away).
SmallVector<Value> elementsOf(PatternRewriter &rewriter, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<int64_t> strides = computeSuffixProduct(type.getShape());
  SmallVector<Value> elements;
  for (int64_t i = 0; i < type.getNumElements(); ++i) {
    SmallVector<Value> indices;
    for (int64_t position : delinearize(i, strides))
      indices.push_back(arith::ConstantIndexOp::create(rewriter, loc, position));
    elements.push_back(tensor::ExtractOp::create(rewriter, loc, tensor, indices));
  }
  return elements;
}

/// Reshapes, expand/collapse_shape and concats of host-known tensors: the same elements, row
/// major, regrouped.
template <typename OpTy> struct ScalarizeRegrouping : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Type type = op->getResult(0).getType();
    if (!isShapeTensorType(type))
      return failure();
    ValueRange sources = op->getOperands();
    if constexpr (std::is_same_v<OpTy, tensor::ConcatOp>) {
      // Concatenation along dim 0 keeps row-major order (another dim would interleave).
      if (op.getDim() != 0)
        return failure();
    } else {
      sources = sources.take_front(1); // the rest is a reshape's shape operand
    }
    if (!llvm::all_of(sources, isHostKnown))
      return failure();
    SmallVector<Value> elements;
    for (Value source : sources)
      llvm::append_range(elements, elementsOf(rewriter, op.getLoc(), source));
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, type, elements);
    return success();
  }
};

/// A static slice of a host-known tensor.
struct ScalarizeSlice : OpRewritePattern<tensor::ExtractSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ExtractSliceOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getResultType();
    if (!isShapeTensorType(type) || !isHostKnown(op.getSource()) || !op.hasUnitStride() ||
        ShapedType::isDynamicShape(op.getStaticOffsets()) || !op.getSourceType().hasStaticShape() ||
        op.getStaticSizes().size() != size_t(op.getSourceType().getRank()))
      return failure();
    // Every element of the result, then the source's indices of it.
    SmallVector<int64_t> sizes(op.getStaticSizes()), strides = computeSuffixProduct(sizes);
    SmallVector<Value> elements;
    Location loc = op.getLoc();
    for (int64_t i = 0, e = computeProduct(sizes); i < e; ++i) {
      SmallVector<Value> indices;
      for (auto [position, offset] : llvm::zip(delinearize(i, strides), op.getStaticOffsets()))
        indices.push_back(arith::ConstantIndexOp::create(rewriter, loc, position + offset));
      elements.push_back(tensor::ExtractOp::create(rewriter, loc, op.getSource(), indices));
    }
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, type, elements);
    return success();
  }
};

/// Whether the body of `op` reads tensors only through `tensor.extract` of host-known values,
/// has no `linalg.index` below its top level, and no other effects than run-time error reports.
bool hasScalarBody(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  WalkResult walk = body->walk([&](Operation *inner) {
    if (auto extract = dyn_cast<tensor::ExtractOp>(inner))
      return isHostKnown(extract.getTensor()) ? WalkResult::advance() : WalkResult::interrupt();
    if (isa<linalg::IndexOp>(inner) && inner->getBlock() != body)
      return WalkResult::interrupt();
    if (llvm::any_of(inner->getOperandTypes(), llvm::IsaPred<TensorType, MemRefType>))
      return WalkResult::interrupt();
    if (isa<kiln::IndexErrorOp>(inner) || isMemoryEffectFree(inner) ||
        inner->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance();
    return WalkResult::interrupt();
  });
  return !walk.wasInterrupted();
}

/// An all-parallel linalg op on host-known tensors: its body once per element.
struct ScalarizeLinalg : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  LogicalResult matchAndRewrite(linalg::LinalgOp op, PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getNumLoops() != op.getNumParallelLoops() ||
        !llvm::all_of(op->getResultTypes(), isShapeTensorType) || !hasScalarBody(op))
      return failure();
    for (OpOperand &operand : op->getOpOperands()) {
      bool read = op.isDpsInput(&operand) || op.payloadUsesValueFromOperand(&operand);
      if (read && !isHostKnown(operand.get()))
        return failure();
      if (op.isDpsInit(&operand) && !op.getMatchingIndexingMap(&operand).isPermutation())
        return failure();
    }
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (ShapedType::isDynamicShape(ranges))
      return failure();
    Location loc = op.getLoc();
    Block *body = op.getBlock();
    SmallVector<SmallVector<Value>> results(op->getNumResults());
    for (auto &elements : results)
      elements.resize(size_t(computeProduct(ranges)));
    SmallVector<int64_t> loopStrides = computeSuffixProduct(ranges);
    for (int64_t i = 0, e = computeProduct(ranges); i < e; ++i) {
      SmallVector<int64_t> point = delinearize(i, loopStrides);
      auto indicesFor = [&](OpOperand &operand) {
        SmallVector<Value> indices;
        for (int64_t index : op.getMatchingIndexingMap(&operand).compose(point))
          indices.push_back(arith::ConstantIndexOp::create(rewriter, loc, index));
        return indices;
      };
      IRMapping mapping;
      for (OpOperand &operand : op->getOpOperands())
        if (op.isDpsInput(&operand) || op.payloadUsesValueFromOperand(&operand))
          mapping.map(op.getMatchingBlockArgument(&operand),
                      tensor::ExtractOp::create(rewriter, loc, operand.get(), indicesFor(operand)));
      for (Operation &inner : body->without_terminator()) {
        if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
          mapping.map(index.getResult(),
                      arith::ConstantIndexOp::create(rewriter, loc, point[index.getDim()]));
          continue;
        }
        rewriter.clone(inner, mapping);
      }
      for (auto [r, yielded] : llvm::enumerate(body->getTerminator()->getOperands())) {
        OpOperand *init = op.getDpsInitOperand(unsigned(r));
        auto type = cast<RankedTensorType>(op->getResult(unsigned(r)).getType());
        SmallVector<int64_t> at = op.getMatchingIndexingMap(init).compose(point);
        int64_t position = linearize(at, computeSuffixProduct(type.getShape()));
        results[r][size_t(position)] = mapping.lookupOrDefault(yielded);
      }
    }
    SmallVector<Value> replacements;
    for (auto [result, elements] : llvm::zip(op->getResults(), results))
      replacements.push_back(
          tensor::FromElementsOp::create(rewriter, loc, result.getType(), elements));
    rewriter.replaceOp(op, replacements);
    return success();
  }
};

struct ScalarizeShapeTensorsPass
    : kiln::impl::ScalarizeShapeTensorsBase<ScalarizeShapeTensorsPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns
        .add<ScalarizeLinalg, ScalarizeSlice, ScalarizeRegrouping<tensor::ReshapeOp>,
             ScalarizeRegrouping<tensor::ExpandShapeOp>,
             ScalarizeRegrouping<tensor::CollapseShapeOp>, ScalarizeRegrouping<tensor::ConcatOp>>(
            context);
    tensor::ExtractOp::getCanonicalizationPatterns(patterns, context);
    tensor::FromElementsOp::getCanonicalizationPatterns(patterns, context);
    scf::IfOp::getCanonicalizationPatterns(patterns, context); // checks on constant indices
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
