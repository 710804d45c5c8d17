//===- CUDATarget.cpp - the CUDA target -----------------------------------===//

#include "codegen/CUDA/CUDATarget.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace kiln;

namespace {

class CUDATarget final : public Target {
public:
  explicit CUDATarget(const TargetOptions &options) : options(options) {}

  llvm::StringRef name() const override { return "cuda"; }

  std::optional<std::string> missingLowering() const override {
    return "the CUDA target's kernel generation (for " + llvm::join(options.gpuArchs, ", ") +
           ") is not implemented yet: --target=cuda compiles up to --emit=linalg";
  }

  void buildLoweringPipeline(OpPassManager &) const override {}

  llvm::Error writeArtifact(ModuleOp, ArtifactDescription &, llvm::StringRef,
                            TimingScope &) const override {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), *missingLowering());
  }

private:
  TargetOptions options;
};

} // namespace

std::unique_ptr<Target> kiln::createCUDATarget(const TargetOptions &options) {
  return std::make_unique<CUDATarget>(options);
}
