//===- FusionReport.h - What the raising passes formed and missed -*- C++ -*-===//

#ifndef KILN_PASSES_FUSION_FUSIONREPORT_H
#define KILN_PASSES_FUSION_FUSIONREPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln {

/// Prints, for a module after the fusion pipeline, how many of each tfm op were formed and
/// every Softmax, Erf, Tanh and ReduceMean (the anchors of attention, GELU and normalisation)
/// and every attention or rotary op of ONNX or ONNX Runtime
/// still in the onnx dialect, by node name, with the reason its matcher gave
/// (`kiln.fusion_miss`). Returns the number of unfused anchors.
unsigned printFusionReport(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace kiln

#endif // KILN_PASSES_FUSION_FUSIONREPORT_H
