//===- ShapeHelpers.h - shape arithmetic for the onnx dialect ---*- C++ -*-===//
//
// Building blocks of shape inference and folding: broadcasting, axis normalisation,
// overflow-checked element counts, and "shape values" -- what is known about the contents of a
// 1-D integer tensor that carries a shape (the Shape -> Gather -> Concat -> Reshape chains that
// exporters emit). Dims that are not known at compile time are ShapedType::kDynamic throughout.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_ONNX_SHAPEHELPERS_H
#define KILN_DIALECTS_ONNX_SHAPEHELPERS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"

#include <optional>

namespace kiln::onnx {

using Shape = llvm::SmallVector<int64_t, 6>;

constexpr int64_t kDynamic = mlir::ShapedType::kDynamic;

/// The ranked shape of `value`'s type, or nullopt when unranked.
std::optional<Shape> getRankedShape(mlir::Value value);

/// The element type of a tensor-typed value.
mlir::Type getElementType(mlir::Value value);

/// `tensor<shape x elementType>`, or `tensor<* x elementType>` when `shape` is nullopt.
mlir::TensorType makeTensorType(std::optional<llvm::ArrayRef<int64_t>> shape,
                                mlir::Type elementType);

/// Numpy-style multidirectional broadcasting; fails on two incompatible static dims.
mlir::FailureOr<Shape> broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

/// `axis` in [-rank, rank) mapped to [0, rank); nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// The product of `shape`, nullopt if a dim is dynamic or negative or the product overflows.
std::optional<int64_t> getElementCount(llvm::ArrayRef<int64_t> shape);

/// The dense integer contents of `value` when it is produced by a constant, else nullopt.
std::optional<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value value);

/// The dense contents of `value` when it is a non-resource constant, else null.
mlir::DenseElementsAttr getConstantDense(mlir::Value value);

/// One element of a shape value: a static value, or dim `index` of the tensor `source` (whose
/// size is dynamic), or unknown.
struct DimValue {
  int64_t value = kDynamic;
  mlir::Value source;
  int64_t index = -1;

  bool isStatic() const { return value != kDynamic; }
  bool isSymbol() const { return !isStatic() && source; }
};
using SymbolicShape = llvm::SmallVector<DimValue, 6>;

/// The dims of a ranked tensor as symbolic entries.
SymbolicShape getSymbolicShape(mlir::Value tensor);

/// What is known about the contents of the 1-D (or scalar) integer tensor `value`, entry by
/// entry: static values, dims of other tensors (through Shape, Gather, Slice, Concat, ...,
/// and Where(Equal(...)) guards), or unknown. nullopt when not even its length is known.
std::optional<SymbolicShape> getSymbolicShapeValue(mlir::Value value);

/// getSymbolicShapeValue with symbols as kDynamic.
std::optional<Shape> getShapeValue(mlir::Value value);

} // namespace kiln::onnx

#endif // KILN_DIALECTS_ONNX_SHAPEHELPERS_H
