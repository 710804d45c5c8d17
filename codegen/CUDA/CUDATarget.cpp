//===- CUDATarget.cpp - the CUDA target -----------------------------------===//
//
// docs/design/targets.md, "CUDA kernels". tfm.attention is claimed for the attention kernel
// (kiln.attention); linalg on tensors is bufferized as for the CPU; the attention kernels
// are built, then every other loop nest of @main becomes a kernel (kiln-cuda-map-kernels), kernels
// are outlined into one gpu.module, lowered to NVVM with libdevice linked, and serialised to PTX
// once per --gpu-arch; host code launches them through the runtime. ptxas makes the cubins
// when the artifact is written (codegen/CUDA/CUDAArtifact.cpp).
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDATarget.h"

#include "codegen/CUDA/CUDAArtifact.h"
#include "codegen/CUDA/CUDAPasses.h"
#include "codegen/Common/CommonPasses.h"
#include "codegen/Common/Pipelines.h"

#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/NVGPUToNVVM/NVGPUToNVVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace kiln;

namespace {

std::string toolkitFile(const TargetOptions &options, llvm::StringRef relative) {
  llvm::SmallString<256> path(options.cudaToolkit);
  llvm::sys::path::append(path, relative);
  return std::string(path);
}

class CUDATarget final : public Target {
public:
  explicit CUDATarget(const TargetOptions &options) : options(options) {}

  llvm::StringRef name() const override { return "cuda"; }

  std::optional<std::string> missingLowering() const override {
    for (llvm::StringRef file : {kLibdevicePath, kPtxasPath})
      if (!llvm::sys::fs::exists(toolkitFile(options, file)))
        return "the CUDA target needs the CUDA toolkit's " + file.str() + ", and '" +
               toolkitFile(options, file) +
               "' does not exist (set KILN_CUDA_PATH to the "
               "toolkit's directory)";
    for (const std::string &arch : options.gpuArchs)
      if (!parseGPUArch(arch))
        return "unknown GPU architecture '" + arch + "' (expected sm_<NN>, such as sm_80)";
    return std::nullopt;
  }

  void buildClaimPipeline(OpPassManager &pm) const override {
    pm.addNestedPass<func::FuncOp>(kiln::createCUDAClaimTFMOps());
  }

  void buildLoweringPipeline(OpPassManager &pm) const override {
    buildCUDALoweringPipeline(pm, options);
  }

  llvm::Error writeArtifact(ModuleOp module, ArtifactDescription &description, llvm::StringRef path,
                            TimingScope &timing) const override {
    return writeCUDAArtifact(module, options, description, path, timing);
  }

private:
  TargetOptions options;
};

} // namespace

std::optional<unsigned> kiln::parseGPUArch(llvm::StringRef arch) {
  unsigned sm;
  if (!arch.consume_front("sm_") || arch.getAsInteger(10, sm) || sm < 50 || sm > 199)
    return std::nullopt;
  return sm;
}

std::unique_ptr<Target> kiln::createCUDATarget(const TargetOptions &options) {
  TargetOptions resolved = options;
  if (resolved.cudaToolkit.empty()) {
    const char *env = getenv("KILN_CUDA_PATH");
    resolved.cudaToolkit = env && *env ? env : KILN_DEFAULT_CUDA_TOOLKIT;
  }
  return std::make_unique<CUDATarget>(resolved);
}

void kiln::buildCUDALoweringPipeline(OpPassManager &pm, const TargetOptions &options) {
  buildBufferizeEntryPipeline(pm);
  pm.addNestedPass<func::FuncOp>(kiln::createCUDACopiesToLinalg());
  // Tensor-core kernels only where every target architecture has them.
  unsigned minSM = ~0u;
  for (const std::string &arch : options.gpuArchs)
    minSM = std::min(minSM, parseGPUArch(arch).value_or(0));
  if (options.gpuArchs.empty())
    minSM = 0;
  kiln::CUDAMmaAttentionOptions mmaAttention;
  mmaAttention.minSM = minSM;
  pm.addPass(kiln::createCUDAMmaAttention(mmaAttention));
  pm.addPass(kiln::createCUDAAttentionKernels());
  pm.addPass(kiln::createCUDANormKernels());
  kiln::CUDAMmaContractionsOptions mma;
  mma.minSM = minSM;
  mma.tf32 = options.tf32;
  pm.addPass(kiln::createCUDAMmaContractions(mma));
  pm.addPass(kiln::createCUDATileContractions());
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(kiln::createCUDAMapRowReductions());
  pm.addPass(kiln::createCUDAMapKernels());
  pm.addPass(kiln::createCUDASinkVectorConstants());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(kiln::createCUDAMergeKernelModules());
  pm.addPass(kiln::createCUDAPlanDeviceMemory());
  pm.addPass(kiln::createCUDALowerRuntimeErrors());
  pm.addPass(kiln::createLowerHostRuntimeErrors());
  pm.addPass(kiln::createCUDAEmulationKernels());

  // Kernels (and host code, which the host pipeline finishes): plain ops, then NVVM.
  buildPlainControlFlowPipeline(pm);
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.indexBitwidth = 64;
  kernels.addPass(kiln::createCUDALegalizeKernelMath());
  kernels.addPass(kiln::createCUDALowerBF16Mma());
  kernels.addPass(createConvertNVGPUToNVVMPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  for (const std::string &arch : options.gpuArchs) {
    GpuNVVMAttachTargetOptions target;
    target.chip = arch;
    target.features = "+ptx80";
    target.optLevel = 3;
    target.linkLibs.push_back(toolkitFile(options, kLibdevicePath));
    pm.addPass(createGpuNVVMAttachTarget(target));
  }
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  binary.toolkitPath = options.cudaToolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));

  // Host code: launches as runtime calls, the rest as for the CPU.
  pm.addPass(kiln::createGPULaunchToRuntime());
  pm.addPass(createCanonicalizerPass());
  buildHostToLLVMPipeline(pm, /*runtimeAllocator=*/true);
  pm.addPass(kiln::createCUDAEmulationEntries());
}

void kiln::registerCUDATargetPasses() { registerKilnCUDAPasses(); }
