//===- ShapeRefinement.h - merge inferred types into the IR -----*- C++ -*-===//
//
// Shared by the importer (node by node, as ops are created) and kiln-onnx-shape-inference.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_SHAPEREFINEMENT_H
#define KILN_PASSES_SHAPEREFINEMENT_H

#include "mlir/IR/Operation.h"

namespace kiln {

/// The more precise of two tensor types of one value: `inferred`'s element type; its rank when
/// ranked, else `existing`'s; per dim the static one. Fails, with a diagnostic on `op`, when both
/// are static and disagree.
mlir::FailureOr<mlir::Type> meetTypes(mlir::Operation *op, unsigned resultIndex,
                                      mlir::Type existing, mlir::Type inferred);

/// Runs the op's shape inference and updates its result types in place. Ops without the
/// interface are left alone.
mlir::LogicalResult refineResultTypes(mlir::Operation *op);

} // namespace kiln

#endif // KILN_PASSES_SHAPEREFINEMENT_H
