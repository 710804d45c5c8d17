//===- DiagonalMask.h - masks that follow a diagonal ------------*- C++ -*-===//
//
// Causal masks reach Kiln in many spellings: a lower-triangular bool buffer sliced to the
// sequence length (GPT-2), Trilu of a filled matrix and a Where to -inf (torch's dynamo export
// of scaled_dot_product_attention(is_causal=True)), triu(full(min), 1) (LLaMA), comparisons of
// two aranges (HF's cache positions). All of them are one thing: a matrix over the last two
// dims whose entry (i, j) depends only on whether j - i <= diagonal. matchDiagonalMask
// evaluates a mask's defining ops symbolically to that form; the attention matcher then
// decides whether it is tfm.attention's causal mask for the operands at hand.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_FUSION_DIAGONALMASK_H
#define KILN_PASSES_FUSION_DIAGONALMASK_H

#include "mlir/IR/Value.h"

#include <optional>

namespace kiln::fusion {

/// Entry (i, j) of the last two dims is `inside` when j - i <= diagonal, else `outside`; the
/// leading dims do not matter. Booleans are 1 and 0.
struct DiagonalMask {
  int64_t diagonal = 0;
  double inside = 0;
  double outside = 0;
};

/// The diagonal form of `mask`, when its defining ops compute one.
std::optional<DiagonalMask> matchDiagonalMask(mlir::Value mask);

} // namespace kiln::fusion

#endif // KILN_PASSES_FUSION_DIAGONALMASK_H
