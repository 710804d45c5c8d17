//===- AttentionGeometry.h - where a kiln.attention's elements are -*- C++ -*-===//
//
// What both CUDA attention kernels (kiln-cuda-attention-kernels on FMA, kiln-cuda-mma-attention
// on the tensor cores) need to know of one kiln.attention on buffers: which dim of each
// operand is batch, head, sequence and head dim, the sizes, the query heads per KV head, the
// keys a block of query rows can see, and a mask element's indices.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_ATTENTIONGEOMETRY_H
#define KILN_CODEGEN_CUDA_ATTENTIONGEOMETRY_H

#include "dialects/Kiln/KilnDialect.h"
#include "passes/Conversion/TFMToLinalg/AttentionScores.h"

#include <array>

namespace kiln {

struct AttentionGeometry {
  std::array<int64_t, 4> qPos, kPos, vPos, oPos; // (batch, head, seq, dim) positions
  mlir::Value batch, queries, keys;              // host values
  int64_t heads = 1, group = 1;                  // query heads, query heads per KV head

  /// The geometry of `op`, its sizes read before `b`'s insertion point (on the host).
  static AttentionGeometry of(mlir::OpBuilder &b, mlir::Location loc, kiln::AttentionOp op);

  /// The indices of (batch, head, seq, dim) in an operand whose layout positions are `pos`.
  static llvm::SmallVector<mlir::Value> at(std::array<int64_t, 4> pos,
                                           std::array<mlir::Value, 4> bhsd);

  /// The KV head query head `head` reads.
  mlir::Value kvHead(mlir::OpBuilder &b, mlir::Location loc, mlir::Value head) const;

  /// The keys [begin, end) any of the query rows [rowBase, rowBase + rows) can see: all of
  /// them, or up to the causal limit of the last row and from the window's start of the
  /// first; none when `active` is false. `offset` is Skv - Sq.
  std::pair<mlir::Value, mlir::Value> keyRange(mlir::OpBuilder &b, mlir::Location loc,
                                               const AttentionScoreTerms &terms,
                                               mlir::Value rowBase, int64_t rows,
                                               mlir::Value offset, mlir::Value active) const;

  /// The indices of the mask element of (batch, head, query, key): the mask may have fewer
  /// (leading) dims than 4, and its size-1 dims broadcast.
  static llvm::SmallVector<mlir::Value> maskIndices(mlir::OpBuilder &b, mlir::Location loc,
                                                    mlir::Value mask,
                                                    std::array<mlir::Value, 4> bhqk);
};

} // namespace kiln

#endif // KILN_CODEGEN_CUDA_ATTENTIONGEOMETRY_H
