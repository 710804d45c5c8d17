//===- PlanDeviceMemory.cpp - kiln-cuda-plan-device-memory ----------------===//
//
// The static memory plan of a CUDA entry: its intermediate buffers as views of one arena,
// buffers whose lifetimes do not overlap sharing a slot. Lifetimes come from the host code's
// program order: a buffer lives from its allocation to the last op of the entry's block that
// uses it or a view of it (a launch reads it then; the launches of one run are ordered on one
// stream, so the next buffer of the slot is written after the last kernel that reads this
// one). The slot structure is planned at compile time; the sizes are expressions of the
// entry's dims, evaluated where the entry starts: a slot is as large as its largest buffer,
// its offset the sum of the slots before it (each rounded up to 256 bytes), so the plan holds
// for every value of the dims without recompiling.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/SetVector.h"

namespace kiln {
#define GEN_PASS_DEF_CUDAPLANDEVICEMEMORY
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr int64_t kSlotAlignment = 256;

/// An intermediate buffer the plan places.
struct Buffer {
  memref::AllocOp alloc;
  memref::DeallocOp dealloc;
  unsigned start = 0, end = 0; // positions in the entry's block
  int64_t staticBytes = 0;     // ShapedType::kDynamic when the size depends on dims
  unsigned slot = 0;
};

/// The buffers of one slot, in program order: the slot is free after its last one's end.
using Slot = SmallVector<Buffer *>;

/// The bytes of one element of a buffer the plan can place, or 0.
int64_t elementBytes(MemRefType type) {
  Type element = type.getElementType();
  if (!element.isIntOrFloat())
    return 0;
  return std::max<int64_t>(1, element.getIntOrFloatBitWidth() / 8);
}

/// Fills `b.end` (the last position of an op of `block` using the buffer or a view of it) and
/// `b.dealloc`; false when the buffer escapes (returned) or is freed elsewhere.
bool findLifetime(Buffer &b, Block &block, const DenseMap<Operation *, unsigned> &position) {
  SmallVector<Value> values = {b.alloc.getResult()};
  b.end = b.start;
  while (!values.empty()) {
    Value v = values.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (auto dealloc = dyn_cast<memref::DeallocOp>(user)) {
        if (v != b.alloc.getResult() || dealloc->getBlock() != &block || b.dealloc)
          return false;
        b.dealloc = dealloc;
        continue;
      }
      if (isa<func::ReturnOp>(user))
        return false;
      Operation *top = block.findAncestorOpInBlock(*user);
      if (!top)
        return false;
      b.end = std::max(b.end, position.lookup(top));
      // Whatever a user returns as a memref may alias the buffer (views, casts, loop results).
      for (Value result : user->getResults())
        if (isa<BaseMemRefType>(result.getType()))
          values.push_back(result);
    }
  }
  return bool(b.dealloc);
}

/// The ops computing the alloc's sizes, when they can all run where the entry starts (pure
/// arithmetic on the entry's arguments: no reads of memory, no regions).
bool collectSizeSlice(memref::AllocOp alloc, Block &entry, llvm::SetVector<Operation *> &slice) {
  for (Value size : alloc.getDynamicSizes()) {
    if (auto arg = dyn_cast<BlockArgument>(size)) {
      if (arg.getOwner() != &entry)
        return false;
      continue;
    }
    BackwardSliceOptions options;
    options.inclusive = true;
    options.omitBlockArguments = true;
    llvm::SetVector<Operation *> ops;
    if (failed(getBackwardSlice(size, &ops, options)))
      return false;
    for (Operation *op : ops) {
      if (op->getBlock() != &entry || op->getNumRegions() || !isMemoryEffectFree(op))
        return false;
      for (Value operand : op->getOperands())
        if (auto arg = dyn_cast<BlockArgument>(operand); arg && arg.getOwner() != &entry)
          return false;
    }
    slice.insert(ops.begin(), ops.end());
  }
  return true;
}

/// The slot for `b`: a free one holding a buffer of the same type and sizes (no waste), else
/// the free one whose largest static buffer is closest to b's, else a new one.
unsigned chooseSlot(Buffer &b, std::vector<Slot> &slots) {
  int best = -1;
  int64_t bestWaste = std::numeric_limits<int64_t>::max();
  for (auto [i, slot] : llvm::enumerate(slots)) {
    Buffer &last = *slot.back();
    if (last.end >= b.start)
      continue;
    if (last.alloc.getType() == b.alloc.getType() &&
        last.alloc.getDynamicSizes() == b.alloc.getDynamicSizes())
      return unsigned(i);
    int64_t waste = std::numeric_limits<int64_t>::max() - 1;
    if (b.staticBytes != ShapedType::kDynamic && last.staticBytes != ShapedType::kDynamic)
      waste = std::abs(last.staticBytes - b.staticBytes);
    if (waste < bestWaste)
      best = int(i), bestWaste = waste;
  }
  if (best >= 0)
    return unsigned(best);
  slots.emplace_back();
  return unsigned(slots.size() - 1);
}

struct CUDAPlanDeviceMemoryPass : kiln::impl::CUDAPlanDeviceMemoryBase<CUDAPlanDeviceMemoryPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string summary;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal() &&
          func.walk([](gpu::LaunchFuncOp) { return WalkResult::interrupt(); }).wasInterrupted())
        summary += plan(func);
    if (!summary.empty())
      module->setAttr("kiln.memory_plan", StringAttr::get(module.getContext(), summary));
  }

  std::string plan(func::FuncOp func) {
    Block &entry = func.getBody().front();
    DenseMap<Operation *, unsigned> position;
    for (auto [i, op] : llvm::enumerate(entry))
      position[&op] = unsigned(i);
    std::vector<Buffer> buffers;
    llvm::SetVector<Operation *> sizeOps;
    unsigned allocs = 0;
    for (Operation &op : entry) {
      auto alloc = dyn_cast<memref::AllocOp>(op);
      if (!alloc)
        continue;
      ++allocs;
      MemRefType type = alloc.getType();
      Buffer b;
      b.alloc = alloc;
      b.start = position[&op];
      llvm::SetVector<Operation *> slice;
      if (!type.getLayout().isIdentity() || !alloc.getSymbolOperands().empty() ||
          !elementBytes(type) || alloc.getAlignment().value_or(0) > kSlotAlignment ||
          type.getMemorySpace() || !findLifetime(b, entry, position) ||
          !collectSizeSlice(alloc, entry, slice))
        continue;
      b.staticBytes =
          type.hasStaticShape() ? type.getNumElements() * elementBytes(type) : ShapedType::kDynamic;
      sizeOps.insert(slice.begin(), slice.end());
      buffers.push_back(b);
    }
    if (buffers.empty())
      return "";
    std::vector<Slot> slots;
    for (Buffer &b : buffers) {
      b.slot = chooseSlot(b, slots);
      slots[b.slot].push_back(&b);
    }
    return build(func, entry, buffers, slots, sizeOps, allocs);
  }

  /// Moves the size computations to the entry's start, sizes the slots and the arena there,
  /// and makes every planned buffer a view of the arena.
  std::string build(func::FuncOp func, Block &entry, std::vector<Buffer> &buffers,
                    std::vector<Slot> &slots, llvm::SetVector<Operation *> &sizeOps,
                    unsigned allocs) {
    SmallVector<Operation *> hoisted(sizeOps.begin(), sizeOps.end());
    llvm::sort(hoisted, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
    // The first op that stays in place; the size computations move before it, in order.
    Operation *anchor = &entry.front();
    while (sizeOps.contains(anchor))
      anchor = anchor->getNextNode();
    for (Operation *op : hoisted)
      op->moveBefore(anchor);
    OpBuilder b(anchor);
    Location loc = func.getLoc();
    auto constant = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
    Value align = constant(kSlotAlignment), total = constant(0);
    std::vector<Value> offsets(slots.size());
    int64_t staticTotal = 0, staticBuffers = 0;
    bool allStatic = true;
    for (auto [i, slot] : llvm::enumerate(slots)) {
      Value size;
      int64_t staticSize = 0;
      for (Buffer *buffer : slot) {
        MemRefType type = buffer->alloc.getType();
        Value bytes = constant(elementBytes(type));
        unsigned dynamic = 0;
        for (int64_t d : type.getShape())
          bytes = arith::MulIOp::create(
              b, loc, bytes,
              ShapedType::isDynamic(d) ? buffer->alloc.getDynamicSizes()[dynamic++] : constant(d));
        size = size ? arith::MaxUIOp::create(b, loc, size, bytes).getResult() : bytes;
        if (buffer->staticBytes == ShapedType::kDynamic) {
          allStatic = false;
          continue;
        }
        staticSize = std::max(staticSize, buffer->staticBytes);
        staticBuffers += buffer->staticBytes;
      }
      Value rounded =
          arith::MulIOp::create(b, loc, arith::CeilDivUIOp::create(b, loc, size, align), align);
      offsets[i] = total;
      total = arith::AddIOp::create(b, loc, total, rounded);
      staticTotal += (staticSize + kSlotAlignment - 1) / kSlotAlignment * kSlotAlignment;
    }
    total = arith::MaxUIOp::create(b, loc, total, align);
    auto arenaType = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
    Value arena = memref::AllocOp::create(b, loc, arenaType, ValueRange{total},
                                          b.getI64IntegerAttr(kSlotAlignment));
    b.setInsertionPoint(entry.getTerminator());
    memref::DeallocOp::create(b, loc, arena);
    for (Buffer &buffer : buffers) {
      b.setInsertionPoint(buffer.alloc);
      Value view = memref::ViewOp::create(b, buffer.alloc.getLoc(), buffer.alloc.getType(), arena,
                                          offsets[buffer.slot], buffer.alloc.getDynamicSizes());
      buffer.alloc.replaceAllUsesWith(view);
      buffer.dealloc.erase();
      buffer.alloc.erase();
    }
    std::string text = "@" + func.getName().str() + ": " + std::to_string(buffers.size()) + " of " +
                       std::to_string(allocs) + " buffers in " + std::to_string(slots.size()) +
                       " slots of one arena";
    if (allStatic)
      text += ", " + std::to_string(staticTotal) + " bytes for " + std::to_string(staticBuffers) +
              " bytes of buffers";
    else
      text += " (its size an expression of the dims)";
    return text + "\n";
  }
};

} // namespace
