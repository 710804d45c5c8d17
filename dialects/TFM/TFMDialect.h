//===- TFMDialect.h - the tfm dialect ---------------------------*- C++ -*-===//

#ifndef KILN_DIALECTS_TFM_TFMDIALECT_H
#define KILN_DIALECTS_TFM_TFMDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/TFM/TFMDialect.h.inc"
#include "dialects/TFM/TFMEnums.h.inc"

#include <array>

namespace kiln::tfm {
/// Positions of the batch, heads, sequence and head-dim entries in a 4-D attention operand of
/// `layout`.
inline std::array<int64_t, 4> layoutPositions(Layout layout) {
  return layout == Layout::bshd ? std::array<int64_t, 4>{0, 2, 1, 3}
                                : std::array<int64_t, 4>{0, 1, 2, 3};
}
} // namespace kiln::tfm

#define GET_ATTRDEF_CLASSES
#include "dialects/TFM/TFMAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/TFM/TFMOps.h.inc"

#endif // KILN_DIALECTS_TFM_TFMDIALECT_H
