//===- Targets.h - the code generation targets Kiln has ---------*- C++ -*-===//
//
// The one place that knows every target: kiln-compile --target and the stage pipelines'
// `target=` option look them up here.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_TARGETS_H
#define KILN_CODEGEN_TARGETS_H

#include "codegen/Common/Target.h"

#include <memory>

namespace kiln {

/// The target called `name` ("cpu", "cuda"); null for an unknown name.
std::unique_ptr<Target> createTarget(llvm::StringRef name, const TargetOptions &options);

/// Every target's name, for messages.
llvm::StringRef targetNames();

/// Registers the stage pipelines (kiln-stage-onnx, kiln-stage-tfm{fusion=...},
/// kiln-stage-linalg{target=...}, kiln-stage-llvm{target=... cpu=...}) and every target's
/// own passes and pipelines, for kiln-opt.
void registerCodegenPipelines();

} // namespace kiln

#endif // KILN_CODEGEN_TARGETS_H
