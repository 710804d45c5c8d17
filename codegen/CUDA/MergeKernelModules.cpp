//===- MergeKernelModules.cpp - kiln-cuda-merge-kernel-modules ------------===//

#include "codegen/CUDA/CUDAPasses.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/StringSet.h"

namespace kiln {
#define GEN_PASS_DEF_CUDAMERGEKERNELMODULES
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kModuleName = "kiln_kernels";

/// The registers a kernel's threads may use: enough for two blocks of its known size to share
/// an SM's 64K registers (at most 255). Without it ptxas may cap registers lower to raise
/// occupancy and spill instead (sm_90: 80 registers and spills in the attention kernel that
/// needs 121); Kiln's kernel builders size their register use themselves.
void setRegisterBudget(gpu::GPUFuncOp kernel) {
  std::optional<ArrayRef<int32_t>> block = kernel.getKnownBlockSize();
  if (!block)
    return;
  int64_t threads = 1;
  for (int32_t size : *block)
    threads *= size;
  int64_t budget = std::min<int64_t>(255, 65536 / (2 * threads) / 8 * 8);
  kernel->setAttr("nvvm.maxnreg", IntegerAttr::get(IntegerType::get(kernel.getContext(), 32),
                                                   std::max<int64_t>(budget, 32)));
}

/// "node (OpType)" for a location the importer made (a NameLoc of the node around a FusedLoc
/// carrying {op = ...}); the printed location otherwise.
std::string describeOrigin(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    std::string text = name.getName().str();
    if (auto fused = dyn_cast<FusedLoc>(name.getChildLoc()))
      if (auto metadata = dyn_cast_or_null<DictionaryAttr>(fused.getMetadata()))
        if (auto op = metadata.getAs<StringAttr>("op"))
          text += " (" + op.str() + ")";
    return text;
  }
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    // A kernel builder's note on the kernel (its tiling) follows the node it came from.
    std::string note;
    if (auto metadata = dyn_cast_or_null<DictionaryAttr>(fused.getMetadata()))
      if (auto kernel = metadata.getAs<StringAttr>("kernel"))
        note = " [" + kernel.str() + "]";
    for (Location inner : fused.getLocations())
      if (isa<NameLoc>(inner) || isa<FusedLoc>(inner))
        return describeOrigin(inner) + note;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  loc.print(os);
  return text;
}

/// "XxYxZ" with "?" for a size known only at run time.
std::string describeDims(gpu::KernelDim3 dims) {
  std::string text;
  for (Value v : {dims.x, dims.y, dims.z}) {
    std::optional<int64_t> size = getConstantIntValue(v);
    text += (text.empty() ? "" : "x") + (size ? std::to_string(*size) : std::string("?"));
  }
  return text;
}

struct CUDAMergeKernelModulesPass
    : kiln::impl::CUDAMergeKernelModulesBase<CUDAMergeKernelModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::LaunchFuncOp> launches;
    module.walk([&](gpu::LaunchFuncOp op) { launches.push_back(op); });
    if (launches.empty())
      return;
    MLIRContext *context = module.getContext();
    SmallVector<gpu::GPUModuleOp> sources(module.getOps<gpu::GPUModuleOp>());
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto merged = gpu::GPUModuleOp::create(b, module.getLoc(), kModuleName);
    Block &body = merged.getBodyRegion().front();

    // Kernels in the order of their launches; every other symbol once.
    llvm::StringSet<> symbols;
    SmallVector<Attribute> names, origins, shapes;
    for (auto [index, launch] : llvm::enumerate(launches)) {
      auto source = module.lookupSymbol<gpu::GPUModuleOp>(launch.getKernelModuleName());
      auto kernel =
          source ? source.lookupSymbol<gpu::GPUFuncOp>(launch.getKernelName()) : gpu::GPUFuncOp();
      if (!kernel) {
        launch.emitError("the launched kernel is not in a gpu.module");
        return signalPassFailure();
      }
      std::string name = "kiln_kernel_" + std::to_string(index);
      kernel.setName(name);
      setRegisterBudget(kernel);
      kernel->moveBefore(&body, body.end());
      symbols.insert(name);
      names.push_back(StringAttr::get(context, name));
      origins.push_back(StringAttr::get(context, describeOrigin(launch.getLoc())));
      shapes.push_back(
          StringAttr::get(context, describeDims(launch.getGridSizeOperandValues()) + " " +
                                       describeDims(launch.getBlockSizeOperandValues())));
      launch.setKernelAttr(
          SymbolRefAttr::get(context, kModuleName, {FlatSymbolRefAttr::get(context, name)}));
    }
    for (gpu::GPUModuleOp source : sources) {
      for (Operation &op : llvm::make_early_inc_range(source.getBodyRegion().front())) {
        auto symbol = dyn_cast<SymbolOpInterface>(&op);
        if (!symbol || !symbols.insert(symbol.getName()).second)
          continue;
        op.moveBefore(&body, body.end());
      }
      source.erase();
    }
    // The artifact's kernel table and --kernel-report read these once the module is a binary.
    module->setAttr("kiln.kernels", ArrayAttr::get(context, names));
    module->setAttr("kiln.kernel_origins", ArrayAttr::get(context, origins));
    module->setAttr("kiln.kernel_launches", ArrayAttr::get(context, shapes));
  }
};

} // namespace
