//===- KilnDialect.h - the kiln dialect -------------------------*- C++ -*-===//

#ifndef KILN_DIALECTS_KILN_KILNDIALECT_H
#define KILN_DIALECTS_KILN_KILNDIALECT_H

#include "dialects/TFM/TFMDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Kiln/KilnDialect.h.inc"

#define GET_OP_CLASSES
#include "dialects/Kiln/KilnOps.h.inc"

namespace mlir {
class DialectRegistry;
}

namespace kiln {
/// One-shot bufferization of the kiln ops in destination-passing style (kiln.attention,
/// kiln.layer_norm, kiln.rms_norm).
void registerKilnBufferizationModels(mlir::DialectRegistry &registry);
} // namespace kiln

#endif // KILN_DIALECTS_KILN_KILNDIALECT_H
