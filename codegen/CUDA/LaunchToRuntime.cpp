//===- LaunchToRuntime.cpp - kiln-gpu-launch-to-runtime -------------------===//
//
// Host code launches kernels through the runtime (runtime/lib/abi.h, `launch`), never through
// upstream's mgpu* wrappers: the runtime owns the modules (one per architecture, loaded for
// the device at hand), the stream and the emulated device. A launch passes its parameters as
// 8-byte slots, laid out as the NVVM lowering of the kernel's signature expects them.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"

namespace kiln {
#define GEN_PASS_DEF_GPULAUNCHTORUNTIME
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kLaunchFunction = "kiln_rt_launch";
constexpr llvm::StringLiteral kKernelPrefix = "kiln_kernel_";

Value toI64(OpBuilder &b, Location loc, Value v) {
  Type i64 = b.getI64Type();
  Type type = v.getType();
  if (type.isIndex())
    return arith::IndexCastOp::create(b, loc, i64, v);
  if (auto f = dyn_cast<FloatType>(type)) {
    v = arith::BitcastOp::create(b, loc, b.getIntegerType(f.getWidth()), v);
    type = v.getType();
  }
  unsigned width = cast<IntegerType>(type).getWidth();
  if (width == 64)
    return v;
  return arith::ExtUIOp::create(b, loc, i64, v);
}

/// The kernel parameters `value` expands to, as i64.
LogicalResult appendParameters(OpBuilder &b, Location loc, Value value,
                               SmallVectorImpl<Value> &slots) {
  auto memref = dyn_cast<MemRefType>(value.getType());
  if (!memref) {
    if (!value.getType().isIntOrIndexOrFloat())
      return failure();
    slots.push_back(toI64(b, loc, value));
    return success();
  }
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, value);
  Value aligned = toI64(b, loc, memref::ExtractAlignedPointerAsIndexOp::create(b, loc, value));
  slots.push_back(aligned); // allocated
  slots.push_back(aligned);
  slots.push_back(toI64(b, loc, metadata.getOffset()));
  for (Value size : metadata.getSizes())
    slots.push_back(toI64(b, loc, size));
  for (Value stride : metadata.getStrides())
    slots.push_back(toI64(b, loc, stride));
  return success();
}

LogicalResult lowerLaunch(gpu::LaunchFuncOp launch) {
  llvm::StringRef name = launch.getKernelName().getValue();
  int64_t kernel;
  if (!name.consume_front(kKernelPrefix) || name.getAsInteger(10, kernel))
    return launch.emitError("the launched kernel is not one of kiln_kernels");
  if (!launch.getAsyncDependencies().empty() || launch.getAsyncToken())
    return launch.emitError("asynchronous launches are not lowered");
  OpBuilder b(launch);
  Location loc = launch.getLoc();
  SmallVector<Value> slots;
  for (Value operand : launch.getKernelOperands())
    if (failed(appendParameters(b, loc, operand, slots)))
      return launch.emitError("a kernel parameter of type ") << operand.getType()
                                                             << " cannot be passed";
  Value params;
  {
    OpBuilder::InsertionGuard guard(b);
    auto func = launch->getParentOfType<func::FuncOp>();
    b.setInsertionPointToStart(&func.getBody().front());
    params = memref::AllocaOp::create(
        b, loc, MemRefType::get({std::max<int64_t>(1, slots.size())}, b.getI64Type()));
  }
  for (auto [i, slot] : llvm::enumerate(slots))
    memref::StoreOp::create(b, loc, slot, params,
                            ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
  Type i64 = b.getI64Type();
  auto constant = [&](int64_t v) { return arith::ConstantIntOp::create(b, loc, i64, v); };
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  Value shared = launch.getDynamicSharedMemorySize()
                     ? toI64(b, loc, launch.getDynamicSharedMemorySize())
                     : constant(0).getResult();
  Value address = toI64(b, loc, memref::ExtractAlignedPointerAsIndexOp::create(b, loc, params));
  SmallVector<Value> args = {constant(kernel),      toI64(b, loc, grid.x),
                             toI64(b, loc, grid.y), toI64(b, loc, grid.z),
                             toI64(b, loc, block.x), toI64(b, loc, block.y),
                             toI64(b, loc, block.z), shared,
                             address,               constant(slots.size())};
  func::CallOp::create(b, loc, kLaunchFunction, TypeRange{}, args);
  launch.erase();
  return success();
}

struct GPULaunchToRuntimePass : kiln::impl::GPULaunchToRuntimeBase<GPULaunchToRuntimePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::LaunchFuncOp> launches;
    module.walk([&](gpu::LaunchFuncOp op) { launches.push_back(op); });
    if (launches.empty())
      return;
    if (!module.lookupSymbol(kLaunchFunction)) {
      OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
      SmallVector<Type> params(10, b.getI64Type());
      auto decl = func::FuncOp::create(b, module.getLoc(), kLaunchFunction,
                                       b.getFunctionType(params, {}));
      decl.setPrivate();
    }
    for (gpu::LaunchFuncOp launch : launches)
      if (failed(lowerLaunch(launch)))
        return signalPassFailure();
  }
};

} // namespace
