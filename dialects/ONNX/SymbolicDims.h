//===- SymbolicDims.h - which dynamic dims are the same size ----*- C++ -*-===//
//
// A dynamic dim named by where its size comes from. Exporters spell one size (the batch, the
// sequence length) many times over: a Reshape whose target is read off another tensor with
// Shape, a MatMul's rows, an elementwise op's broadcast result. Following each dim back
// through ops that carry it unchanged leads to a root -- usually a dim of a function argument
// -- and two dims with the same root are equal at run time. The raising passes use this to
// prove the facts a fusion depends on (query and key lengths are equal, a repeat did not
// broadcast a batch) without static shapes.
//
// Sound under Kiln's broadcasting rule (docs/lowering.md): a dynamic dim is never broadcast,
// so an elementwise op's dynamic operand dim is its result dim.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_ONNX_SYMBOLICDIMS_H
#define KILN_DIALECTS_ONNX_SYMBOLICDIMS_H

#include "dialects/ONNX/ShapeHelpers.h"

namespace kiln::onnx {

/// `dim` followed back to its root: a static size, or dim `index` of the first value (a
/// function argument, or the result of an op that computes the size) it was carried from.
/// Unknown entries stay unknown.
DimValue getDimRoot(DimValue dim);

/// getDimRoot of dim `index` of the ranked tensor `tensor`.
DimValue getDimRoot(mlir::Value tensor, int64_t index);

/// Whether two dims are known to be equal: the same static size or the same root.
bool dimsKnownEqual(DimValue a, DimValue b);

/// A dim as a product: a static coefficient times root dims (getDimRoot) that are not known
/// to be products of others. A size that a Reshape merges (`[B*H, S, D]`), infers (a -1
/// entry: the input's elements over the other entries) or that a Tile multiplies expands into
/// its factors, so `B*H` split again into `[B, H]` is proven without static shapes
/// (SymbolicProducts.cpp).
struct DimProduct {
  int64_t coefficient = 1;
  /// Sorted by source and index; a factor may repeat.
  llvm::SmallVector<DimValue, 4> factors;

  bool operator==(const DimProduct &other) const;
  DimProduct operator*(const DimProduct &other) const;
  /// The exact quotient, or nullopt when `other` does not divide this product.
  std::optional<DimProduct> dividedBy(const DimProduct &other) const;
};

/// Dim `index` of the ranked tensor `tensor` as a product; nullopt when unknown.
std::optional<DimProduct> getDimProduct(mlir::Value tensor, int64_t index);

/// Entry `index` of the 1-D (or scalar) integer tensor `shape` as a product of dims: static
/// entries, dims read with Shape, and Mul/Div of them. nullopt when unknown.
std::optional<DimProduct> getShapeEntryProduct(mlir::Value shape, int64_t index);

/// Whether two dims are known to be equal as products (a stronger dimsKnownEqual).
bool dimProductsEqual(mlir::Value a, int64_t ia, mlir::Value b, int64_t ib);

} // namespace kiln::onnx

#endif // KILN_DIALECTS_ONNX_SYMBOLICDIMS_H
