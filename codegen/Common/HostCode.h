//===- HostCode.h - the artifact's code section -----------------*- C++ -*-===//
//
// What every target's artifact has: host code (the whole model on the CPU; the launches and
// shape arithmetic on CUDA) as an ELF shared object, built from the LLVM dialect through
// LLVM's TargetMachine and linked by the system compiler driver around a generated C stub
// that implements the generated-code ABI (runtime/lib/abi.h); and constants moved out of the
// code into the weights section.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_COMMON_HOSTCODE_H
#define KILN_CODEGEN_COMMON_HOSTCODE_H

#include "artifact/ArtifactWriter.h"
#include "codegen/Common/Target.h"

namespace kiln {

/// Moves constant globals into the weights section: every `llvm.mlir.addressof` of one
/// becomes `load(@kiln_weights_base) + offset`. With `everyConstant` (device code reads them
/// where only the weights are visible) every constant moves, splats and i1 included;
/// otherwise those of at least `minBytes` raw bytes.
void externalizeConstants(mlir::ModuleOp module, uint64_t minBytes, bool everyConstant,
                          ArtifactDescription &out);

/// What a target adds to the C stub: definitions (`code`) and the initializer of
/// kiln_gen_module's `emulation` field.
struct StubExtras {
  std::string code;
  std::string emulation = "0";
};

/// How hard LLVM optimises the host code: the CPU target's is the model (O3); the CUDA
/// target's launches kernels, computes shapes and holds the kernels' emulator twins (O1, which
/// compiles in about half the time).
enum class HostOptimization { Full, Light };

/// The LLVM dialect module -> optimised object code -> the shared object in `out.code`.
llvm::Error emitHostCode(mlir::ModuleOp module, const TargetOptions &options,
                         const StubExtras &extras, HostOptimization optimization,
                         ArtifactDescription &out, mlir::TimingScope &timing);

} // namespace kiln

#endif // KILN_CODEGEN_COMMON_HOSTCODE_H
