//===- MapKernels.cpp - kiln-cuda-map-kernels -----------------------------===//
//
// The first, general CUDA mapping (docs/design/targets.md, "CUDA kernels", step 1): every
// loop nest of @main on buffers becomes a kernel with one thread per parallel iteration, and
// what stays on the host touches device memory only through the runtime. Kernel builders
// for the kinds that matter (row reductions, tiled contractions, attention) replace these
// kernels op by op; this pass is what every op falls back to.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"

#include "codegen/CUDA/LoopMapping.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"

namespace kiln {
#define GEN_PASS_DEF_CUDAMAPKERNELS
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr int64_t kThreadsPerBlock = 256;
constexpr llvm::StringLiteral kDeviceReadFunction = "kiln_rt_device_read";

bool insideKernel(Operation *op) { return op->getParentOfType<gpu::LaunchOp>() != nullptr; }

/// Whether `op` reads or writes the data of a buffer (not only its descriptor).
bool accessesBufferData(Operation *op) {
  return isa<memref::LoadOp, memref::StoreOp, memref::AtomicRMWOp, memref::GenericAtomicRMWOp,
             memref::CopyOp>(op);
}

/// A one-dimensional launch of `blocks` x kThreadsPerBlock threads at the builder's insertion
/// point; the builder is left inside its body, before the terminator.
gpu::LaunchOp createLaunch(OpBuilder &b, Location loc, Value blocks, Value threads) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto launch = gpu::LaunchOp::create(b, loc, blocks, one, one, threads, one, one);
  b.setInsertionPointToEnd(&launch.getBody().front());
  auto terminator = gpu::TerminatorOp::create(b, loc);
  b.setInsertionPoint(terminator);
  return launch;
}

/// scf.parallel -> gpu.launch with one thread per iteration of its (linearised) dims.
LogicalResult mapParallelLoop(scf::ParallelOp loop) {
  if (loop.getNumResults())
    return loop.emitError("cannot map to a CUDA kernel: a parallel loop with reductions");
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  kiln::LinearizedLoop space = kiln::linearize(b, loc, loop);
  Value total = space.total;
  Value threads = arith::ConstantIndexOp::create(b, loc, kThreadsPerBlock);
  // A grid of zero blocks is a launch error: an empty loop launches one idle block.
  Value blocks = arith::MaxSIOp::create(b, loc, arith::CeilDivSIOp::create(b, loc, total, threads),
                                        one);
  gpu::LaunchOp launch = createLaunch(b, loc, blocks, threads);
  Value linear = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, launch.getBlockSize().x),
      launch.getThreadIds().x);
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, linear, total);
  auto guard = scf::IfOp::create(b, loc, inRange, /*withElseRegion=*/false);
  b.setInsertionPoint(guard.thenBlock()->getTerminator());
  IRMapping mapping;
  kiln::delinearize(b, loc, loop, space, linear, mapping);
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
  loop.erase();
  return success();
}

/// Runs `op` (without results) as the only thread of a one-block kernel.
void runAsSingleThread(Operation *op) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  gpu::LaunchOp launch = createLaunch(b, loc, one, one);
  Operation *terminator = launch.getBody().front().getTerminator();
  op->moveBefore(terminator);
}

/// Whether `op` holds an access to buffer data outside any kernel, and nothing that must stay
/// on the host (a launch, an allocation).
bool isHostLoopOverBuffers(Operation *op) {
  if (!isa<scf::ForOp, scf::IfOp, scf::WhileOp>(op) || op->getNumResults())
    return false;
  bool accesses = false, hostOnly = false;
  op->walk([&](Operation *inner) {
    accesses |= accessesBufferData(inner);
    hostOnly |= isa<gpu::LaunchOp, memref::AllocOp, memref::AllocaOp, memref::DeallocOp,
                    func::CallOp>(inner);
  });
  return accesses && !hostOnly;
}

/// The byte address of `memref[indices]`, as an i64.
Value elementAddress(OpBuilder &b, Location loc, Value memref, ValueRange indices) {
  auto type = cast<MemRefType>(memref.getType());
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  Value offset = metadata.getOffset();
  for (auto [index, stride] : llvm::zip(indices, metadata.getStrides()))
    offset = arith::AddIOp::create(b, loc, offset, arith::MulIOp::create(b, loc, index, stride));
  int64_t elementBytes = std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
  Value bytes = arith::MulIOp::create(b, loc, offset,
                                      arith::ConstantIndexOp::create(b, loc, elementBytes));
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  Value address = arith::AddIOp::create(b, loc, base, bytes);
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), address);
}

/// memref.load on the host -> the element copied from device memory into a stack slot.
void readThroughRuntime(memref::LoadOp load) {
  OpBuilder b(load);
  Location loc = load.getLoc();
  auto type = load.getMemRefType();
  auto slotType = MemRefType::get({1}, type.getElementType());
  Value slot = memref::AllocaOp::create(b, loc, slotType);
  Value source = elementAddress(b, loc, load.getMemRef(), load.getIndices());
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value destination = elementAddress(b, loc, slot, zero);
  int64_t elementBytes = std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
  Value bytes = arith::ConstantIntOp::create(b, loc, b.getI64Type(), elementBytes);
  func::CallOp::create(b, loc, kDeviceReadFunction, TypeRange{},
                       ValueRange{destination, source, bytes});
  Value value = memref::LoadOp::create(b, loc, slot, zero);
  load.replaceAllUsesWith(value);
  load.erase();
}

/// memref.reshape with its shape in a buffer -> reinterpret_cast with the sizes loaded (on
/// the host) and row-major strides. The source has the identity layout (the op requires it),
/// so the offset is 0.
void expandRuntimeReshape(memref::ReshapeOp reshape) {
  OpBuilder b(reshape);
  Location loc = reshape.getLoc();
  auto resultType = cast<MemRefType>(reshape.getType());
  int64_t rank = resultType.getRank();
  SmallVector<int64_t> staticStrides;
  int64_t staticOffset;
  (void)resultType.getStridesAndOffset(staticStrides, staticOffset);
  SmallVector<OpFoldResult> sizes(rank), strides(rank);
  Value stride = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = rank - 1; d >= 0; --d) {
    Value size;
    if (resultType.isDynamicDim(d)) {
      Value entry = memref::LoadOp::create(b, loc, reshape.getShape(),
                                           ValueRange{arith::ConstantIndexOp::create(b, loc, d)});
      size = entry.getType().isIndex()
                 ? entry
                 : arith::IndexCastOp::create(b, loc, b.getIndexType(), entry).getResult();
      sizes[d] = size;
    } else {
      size = arith::ConstantIndexOp::create(b, loc, resultType.getDimSize(d));
      sizes[d] = b.getIndexAttr(resultType.getDimSize(d));
    }
    strides[d] = ShapedType::isDynamic(staticStrides[d]) ? OpFoldResult(stride)
                                                         : b.getIndexAttr(staticStrides[d]);
    stride = arith::MulIOp::create(b, loc, stride, size);
  }
  auto cast = memref::ReinterpretCastOp::create(b, loc, resultType, reshape.getSource(),
                                                b.getIndexAttr(0), sizes, strides);
  reshape.replaceAllUsesWith(cast.getResult());
  reshape.erase();
}

struct CUDAMapKernelsPass : kiln::impl::CUDAMapKernelsBase<CUDAMapKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal())
      return;

    SmallVector<memref::ReshapeOp> reshapes;
    main.walk([&](memref::ReshapeOp op) {
      if (!cast<MemRefType>(op.getType()).hasStaticShape())
        reshapes.push_back(op);
    });
    for (memref::ReshapeOp op : reshapes)
      expandRuntimeReshape(op);

    SmallVector<scf::ParallelOp> loops;
    main.walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
      loops.push_back(loop);
      return WalkResult::skip();
    });
    for (scf::ParallelOp loop : loops)
      if (failed(mapParallelLoop(loop)))
        return signalPassFailure();

    SmallVector<Operation *> hostLoops;
    main.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp>(op))
        return WalkResult::skip();
      if (isHostLoopOverBuffers(op)) {
        hostLoops.push_back(op);
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });
    for (Operation *op : hostLoops)
      runAsSingleThread(op);

    SmallVector<Operation *> stores;
    SmallVector<memref::LoadOp> loads;
    bool failedToPlace = false;
    main.walk([&](Operation *op) {
      if (!accessesBufferData(op) || insideKernel(op))
        return;
      if (auto load = dyn_cast<memref::LoadOp>(op))
        loads.push_back(load);
      else if (isa<memref::StoreOp>(op))
        stores.push_back(op);
      else {
        op->emitError("cannot place this buffer access on the GPU");
        failedToPlace = true;
      }
    });
    if (failedToPlace)
      return signalPassFailure();
    for (Operation *op : stores)
      runAsSingleThread(op);
    if (!loads.empty())
      declareDeviceRead(module);
    for (memref::LoadOp load : loads)
      readThroughRuntime(load);
  }

  void declareDeviceRead(ModuleOp module) {
    if (module.lookupSymbol(kDeviceReadFunction))
      return;
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    Type i64 = b.getI64Type();
    auto decl = func::FuncOp::create(b, module.getLoc(), kDeviceReadFunction,
                                     b.getFunctionType({i64, i64, i64}, {}));
    decl.setPrivate();
  }
};

} // namespace
