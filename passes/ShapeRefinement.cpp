//===- ShapeRefinement.cpp - merge inferred types into the IR -------------===//

#include "passes/ShapeRefinement.h"

#include "dialects/ONNX/ONNXDialect.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;

FailureOr<Type> kiln::meetTypes(Operation *op, unsigned resultIndex, Type existing,
                                Type inferred) {
  auto inferredType = cast<TensorType>(inferred);
  auto existingRanked = dyn_cast<RankedTensorType>(existing);
  if (!inferredType.hasRank())
    return existingRanked ? existingRanked.clone(inferredType.getElementType()) : inferred;
  if (!existingRanked)
    return inferred;
  if (existingRanked.getRank() != inferredType.getRank())
    return op->emitOpError("result #") << resultIndex << " is declared as " << existing
                                       << " but inferred as " << inferred;
  SmallVector<int64_t> dims;
  for (auto [a, b] : llvm::zip(existingRanked.getShape(), inferredType.getShape())) {
    if (!ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b)
      return op->emitOpError("result #") << resultIndex << " is declared as " << existing
                                         << " but inferred as " << inferred;
    dims.push_back(ShapedType::isDynamic(b) ? a : b);
  }
  return Type(RankedTensorType::get(dims, inferredType.getElementType()));
}

LogicalResult kiln::refineResultTypes(Operation *op) {
  auto iface = dyn_cast<kiln::onnx::ShapeInferenceOpInterface>(op);
  if (!iface)
    return success();
  SmallVector<Type> inferred;
  if (failed(iface.inferShapes(inferred)))
    return failure();
  if (inferred.size() != op->getNumResults())
    return op->emitOpError("shape inference produced ")
           << inferred.size() << " types for " << op->getNumResults() << " results";
  for (auto [i, result] : llvm::enumerate(op->getResults())) {
    // Hostile shapes must not reach later stages as types nobody can allocate or print.
    if (auto ranked = dyn_cast<RankedTensorType>(inferred[i])) {
      int64_t count = 1;
      for (int64_t dim : ranked.getShape()) {
        if (ShapedType::isDynamic(dim))
          continue;
        if (dim < 0)
          return op->emitOpError("result #") << i << " would have a negative dim " << dim;
        if (llvm::MulOverflow(count, dim, count))
          return op->emitOpError("result #") << i << " would have an element count that "
                                              "overflows 64 bits";
      }
    }
    FailureOr<Type> merged = meetTypes(op, i, result.getType(), inferred[i]);
    if (failed(merged))
      return failure();
    result.setType(*merged);
  }
  return success();
}
