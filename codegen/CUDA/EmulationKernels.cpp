//===- EmulationKernels.cpp - kiln-cuda-emulation-kernels -----------------===//
//
// The emulated CUDA device (docs/design/cuda-emulator.md) runs host twins of the kernels:
// the same IR, forked after the last Kiln transformation of the kernels, with the few ops
// that only a GPU has (thread ids, barriers, shuffles, warp matrix ops) turned into calls to the
// emulator and every buffer access bounds-checked.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"

#include "runtime/lib/abi.h"

#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

namespace kiln {
#define GEN_PASS_DEF_CUDAEMULATIONKERNELS
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kIdFunction = "kiln_emu_id";
constexpr llvm::StringLiteral kBarrierFunction = "kiln_emu_barrier";
constexpr llvm::StringLiteral kShuffleFunction = "kiln_emu_shuffle";
constexpr llvm::StringLiteral kMatrixFunction = "kiln_emu_matrix";
constexpr llvm::StringLiteral kFaultFunction = "kiln_emu_fault";
constexpr llvm::StringLiteral kUnwrittenFunction = "kiln_emu_unwritten";
constexpr llvm::StringLiteral kPrefix = "kiln_emu_";

/// Which id `kiln_emu_id` reads: thread ids 0-2, block ids 3-5, block sizes 6-8, grid sizes
/// 9-11 (x, y, z each).
int64_t idIndex(Operation *op) {
  auto dimension = [](gpu::Dimension d) { return int64_t(d); };
  if (auto o = dyn_cast<gpu::ThreadIdOp>(op))
    return dimension(o.getDimension());
  if (auto o = dyn_cast<gpu::BlockIdOp>(op))
    return 3 + dimension(o.getDimension());
  if (auto o = dyn_cast<gpu::BlockDimOp>(op))
    return 6 + dimension(o.getDimension());
  if (auto o = dyn_cast<gpu::GridDimOp>(op))
    return 9 + dimension(o.getDimension());
  return -1;
}

void declare(OpBuilder &b, ModuleOp module, llvm::StringRef name, FunctionType type) {
  if (module.lookupSymbol(name))
    return;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  func::FuncOp::create(b, module.getLoc(), name, type).setPrivate();
}

Value zeroOf(OpBuilder &b, Location loc, Type type) {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, 0.0));
  auto integer = dyn_cast<IntegerType>(type);
  if (!integer || integer.isSignless())
    return arith::ConstantOp::create(b, loc, type, b.getIntegerAttr(type, 0));
  // arith has no unsigned constants: a signless zero, cast as the lowering casts loaded values.
  Value zero = arith::ConstantOp::create(b, loc, b.getIntegerType(integer.getWidth()),
                                         b.getIntegerAttr(b.getIntegerType(integer.getWidth()), 0));
  return UnrealizedConversionCastOp::create(b, loc, type, zero).getResult(0);
}

/// Guards `access` (a memref.load or memref.store) with a check of each index against its
/// dim; out of bounds, each failing dim is reported and the access is not made (a load gives
/// 0).
void guardAccess(OpBuilder &b, Operation *access, Value thread, Value memref, ValueRange indices) {
  Location loc = access->getLoc();
  b.setInsertionPoint(access);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value inBounds = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
  SmallVector<std::pair<Value, Value>> checks;
  SmallVector<Value> oks;
  for (auto [d, index] : llvm::enumerate(indices)) {
    Value size = memref::DimOp::create(b, loc, memref, d);
    Value ok = arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, index, zero),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, size));
    inBounds = arith::AndIOp::create(b, loc, inBounds, ok);
    checks.push_back({index, size});
    oks.push_back(ok);
  }
  TypeRange results = access->getResultTypes();
  auto guard = scf::IfOp::create(b, loc, results, inBounds, /*withElseRegion=*/true);
  // Blocks of an scf.if without results come with their yield; with results, without.
  auto fill = [&](Block *block, llvm::function_ref<SmallVector<Value>()> body) {
    if (results.empty())
      b.setInsertionPoint(block->getTerminator());
    else
      b.setInsertionPointToEnd(block);
    SmallVector<Value> values = body();
    if (!results.empty())
      scf::YieldOp::create(b, loc, values);
  };
  // In bounds: the access itself.
  fill(guard.thenBlock(), [&] { return SmallVector<Value>(b.clone(*access)->getResults()); });
  // Out of bounds: a report per failing dim, and a zero for a load.
  fill(guard.elseBlock(), [&] {
    Type i64 = b.getI64Type();
    Value yes = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
    for (auto [d, check] : llvm::enumerate(checks)) {
      auto report = scf::IfOp::create(b, loc, arith::XOrIOp::create(b, loc, oks[d], yes),
                                      /*withElseRegion=*/false);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPoint(report.thenBlock()->getTerminator());
      func::CallOp::create(b, loc, kFaultFunction, TypeRange{},
                           ValueRange{thread, arith::ConstantIntOp::create(b, loc, i64, d),
                                      arith::IndexCastOp::create(b, loc, i64, check.first),
                                      arith::IndexCastOp::create(b, loc, i64, check.second)});
    }
    SmallVector<Value> zeros;
    for (Type t : results)
      zeros.push_back(zeroOf(b, loc, t));
    return zeros;
  });
  access->replaceAllUsesWith(guard.getResults());
  access->erase();
}

/// A warp shuffle as a call to the emulator, which exchanges the 32-bit values of the warp's
/// threads once all of them have arrived (runtime/lib/abi.h, kiln_emu_thread::shuffle).
LogicalResult emulateShuffle(OpBuilder &b, gpu::ShuffleOp shuffle, Value thread) {
  Location loc = shuffle.getLoc();
  Type type = shuffle.getValue().getType(), i32 = b.getI32Type(), i64 = b.getI64Type();
  if (type.getIntOrFloatBitWidth() != 32)
    return shuffle.emitError("the emulated device shuffles 32-bit values only");
  int64_t mode;
  switch (shuffle.getMode()) {
  case gpu::ShuffleMode::XOR:
    mode = 0;
    break;
  case gpu::ShuffleMode::UP:
    mode = 1;
    break;
  case gpu::ShuffleMode::DOWN:
    mode = 2;
    break;
  case gpu::ShuffleMode::IDX:
    mode = 3;
    break;
  }
  Value bits = shuffle.getValue();
  if (type != i32)
    bits = arith::BitcastOp::create(b, loc, i32, bits);
  auto widen = [&](Value v) { return arith::ExtUIOp::create(b, loc, i64, v).getResult(); };
  Value result = func::CallOp::create(b, loc, kShuffleFunction, TypeRange{i64},
                                      ValueRange{thread, widen(bits), widen(shuffle.getOffset()),
                                                 widen(shuffle.getWidth()),
                                                 arith::ConstantIntOp::create(b, loc, i64, mode)})
                     .getResult(0);
  Value value = arith::TruncIOp::create(b, loc, i32, result);
  if (type != i32)
    value = arith::BitcastOp::create(b, loc, type, value);
  Value valid = arith::TruncIOp::create(
      b, loc, b.getI1Type(),
      arith::ShRUIOp::create(b, loc, result, arith::ConstantIntOp::create(b, loc, i64, 32)));
  shuffle.replaceAllUsesWith(ValueRange{value, valid});
  shuffle.erase();
  return success();
}

/// The elements of `vector`, in row-major order.
SmallVector<Value> elementsOf(OpBuilder &b, Location loc, Value vector) {
  auto type = cast<VectorType>(vector.getType());
  Value flat = vector::ShapeCastOp::create(
      b, loc, VectorType::get({type.getNumElements()}, type.getElementType()), vector);
  SmallVector<Value> elements;
  for (int64_t i = 0; i < type.getNumElements(); ++i)
    elements.push_back(vector::ExtractOp::create(b, loc, flat, i));
  return elements;
}

/// `elements` (all of one 16- or 32-bit type) packed into i64 words, element i at bit
/// (i * bits) % 64 of word (i * bits) / 64, as runtime/lib/abi.h packs fragments.
SmallVector<Value> packWords(OpBuilder &b, Location loc, ArrayRef<Value> elements) {
  unsigned bits = elements.front().getType().getIntOrFloatBitWidth(), perWord = 64 / bits;
  Type i64 = b.getI64Type();
  SmallVector<Value> words;
  for (auto [i, element] : llvm::enumerate(elements)) {
    Value v = arith::BitcastOp::create(b, loc, b.getIntegerType(bits), element);
    v = arith::ExtUIOp::create(b, loc, i64, v);
    if (i % perWord)
      v = arith::ShLIOp::create(b, loc, v,
                                arith::ConstantIntOp::create(b, loc, i64, i % perWord * bits));
    if (i % perWord == 0)
      words.push_back(v);
    else
      words.back() = arith::OrIOp::create(b, loc, words.back(), v);
  }
  return words;
}

/// The fragment of type `type` packed in `words` (packWords' layout).
Value unpackWords(OpBuilder &b, Location loc, ArrayRef<Value> words, VectorType type) {
  Type elementType = type.getElementType(), i64 = b.getI64Type();
  unsigned bits = elementType.getIntOrFloatBitWidth(), perWord = 64 / bits;
  SmallVector<Value> elements;
  for (int64_t i = 0; i < type.getNumElements(); ++i) {
    Value v = words[i / perWord];
    if (i % perWord)
      v = arith::ShRUIOp::create(b, loc, v,
                                 arith::ConstantIntOp::create(b, loc, i64, i % perWord * bits));
    v = arith::TruncIOp::create(b, loc, b.getIntegerType(bits), v);
    elements.push_back(arith::BitcastOp::create(b, loc, elementType, v));
  }
  return vector::FromElementsOp::create(b, loc, type, elements);
}

/// A warp matrix op as a call to the emulator (runtime/lib/abi.h, kiln_emu_thread::matrix):
/// the operands' words through `scratch`, the twin's one buffer for them, then `results`
/// words of the result fragment.
SmallVector<Value> callMatrix(OpBuilder &b, Location loc, Value thread, Value scratch, int64_t op,
                              ArrayRef<Value> words, int64_t results) {
  for (auto [i, word] : llvm::enumerate(words))
    memref::StoreOp::create(b, loc, word, scratch,
                            ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
  func::CallOp::create(
      b, loc, kMatrixFunction, TypeRange{},
      ValueRange{thread, arith::ConstantIntOp::create(b, loc, b.getI64Type(), op), scratch});
  SmallVector<Value> out;
  for (int64_t i = 0; i < results; ++i)
    out.push_back(memref::LoadOp::create(b, loc, scratch,
                                         ValueRange{arith::ConstantIndexOp::create(b, loc, i)}));
  return out;
}

/// nvgpu.ldmatrix: the thread reads the 8 elements of the row it addresses with plain loads
/// (bounds-checked, and tracked in workgroup memory, like any other), and the emulator deals
/// the warp's rows out as the PTX ISA's ldmatrix does.
LogicalResult emulateLdMatrix(OpBuilder &b, nvgpu::LdMatrixOp ld, Value thread, Value scratch) {
  Location loc = ld.getLoc();
  auto type = cast<VectorType>(ld.getResult().getType());
  int64_t tiles = ld.getNumTiles();
  if (type.getElementType().getIntOrFloatBitWidth() != 16 || type.getNumElements() != 2 * tiles)
    return ld.emitError("the emulated device runs nvgpu.ldmatrix of 16-bit elements, 2 per "
                        "matrix, only");
  // The row's 8 elements in a loop (one checked load in the twin, not eight), packed into
  // two words as packWords packs them.
  Type i64 = b.getI64Type();
  Value zero = arith::ConstantIntOp::create(b, loc, i64, 0);
  auto row = scf::ForOp::create(b, loc, arith::ConstantIndexOp::create(b, loc, 0),
                                arith::ConstantIndexOp::create(b, loc, 8),
                                arith::ConstantIndexOp::create(b, loc, 1), ValueRange{zero, zero});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(row.getBody());
    Value e = row.getInductionVar();
    SmallVector<Value> indices(ld.getIndices());
    indices.back() = arith::AddIOp::create(b, loc, indices.back(), e);
    Value element = memref::LoadOp::create(b, loc, ld.getSrcMemref(), indices);
    Value bits = arith::ExtUIOp::create(
        b, loc, i64, arith::BitcastOp::create(b, loc, b.getIntegerType(16), element));
    Value e64 = arith::IndexCastOp::create(b, loc, i64, e);
    Value shift = arith::MulIOp::create(
        b, loc, arith::RemUIOp::create(b, loc, e64, arith::ConstantIntOp::create(b, loc, i64, 4)),
        arith::ConstantIntOp::create(b, loc, i64, 16));
    Value placed = arith::ShLIOp::create(b, loc, bits, shift);
    Value low = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, e64,
                                      arith::ConstantIntOp::create(b, loc, i64, 4));
    Value w0 = row.getRegionIterArgs()[0], w1 = row.getRegionIterArgs()[1];
    scf::YieldOp::create(
        b, loc,
        ValueRange{
            arith::SelectOp::create(b, loc, low, arith::OrIOp::create(b, loc, w0, placed), w0),
            arith::SelectOp::create(b, loc, low, w1, arith::OrIOp::create(b, loc, w1, placed))});
  }
  int64_t op = KILN_EMU_MATRIX_LDMATRIX | tiles << 8 | int64_t(ld.getTranspose()) << 16;
  SmallVector<Value> words =
      callMatrix(b, loc, thread, scratch, op, SmallVector<Value>(row.getResults()),
                 llvm::divideCeil(tiles, 2));
  ld.replaceAllUsesWith(unpackWords(b, loc, words, type));
  ld.erase();
  return success();
}

/// nvgpu.mma.sync m16n8k16 with f16 or bf16 operands, or m16n8k8 with tf32 ones, and f32
/// accumulators: the thread's fragments to the emulator, which computes the warp's product.
LogicalResult emulateMma(OpBuilder &b, nvgpu::MmaSyncOp mma, Value thread, Value scratch) {
  Location loc = mma.getLoc();
  Type operand = mma.getMatrixA().getType().getElementType();
  auto acc = cast<VectorType>(mma.getRes().getType());
  std::array<int64_t, 3> shape = mma.getMmaShapeAsArray();
  bool sixteenBit =
      shape == std::array<int64_t, 3>{16, 8, 16} && (operand.isF16() || operand.isBF16());
  bool tf32 = shape == std::array<int64_t, 3>{16, 8, 8} && operand.isF32() && mma.getTf32Enabled();
  if (!(sixteenBit || tf32) || !acc.getElementType().isF32() ||
      mma.getMatrixB().getType().getElementType() != operand)
    return mma.emitError("the emulated device runs nvgpu.mma.sync m16n8k16 with f16 or bf16 "
                         "operands, or m16n8k8 with tf32 ones, and f32 accumulators only");
  SmallVector<Value> words = packWords(b, loc, elementsOf(b, loc, mma.getMatrixA()));
  llvm::append_range(words, packWords(b, loc, elementsOf(b, loc, mma.getMatrixB())));
  llvm::append_range(words, packWords(b, loc, elementsOf(b, loc, mma.getMatrixC())));
  int64_t op = tf32              ? KILN_EMU_MATRIX_MMA_TF32
               : operand.isF16() ? KILN_EMU_MATRIX_MMA_F16
                                 : KILN_EMU_MATRIX_MMA_BF16;
  mma.replaceAllUsesWith(
      unpackWords(b, loc, callMatrix(b, loc, thread, scratch, op, words, 2), acc));
  mma.erase();
  return success();
}

/// Expands the warp matrix ops of `twin` (before its workgroup memory is placed, so that the
/// loads ldmatrix becomes are checked like any other).
LogicalResult emulateMatrixOps(OpBuilder &b, func::FuncOp twin, Value thread) {
  SmallVector<Operation *> ops;
  twin.walk([&](Operation *op) {
    if (isa<nvgpu::LdMatrixOp, nvgpu::MmaSyncOp>(op))
      ops.push_back(op);
  });
  if (ops.empty())
    return success();
  // One buffer for the words a thread exchanges, at the entry (an alloca in a loop would grow
  // the fiber's stack each iteration).
  b.setInsertionPointToStart(&twin.getBody().front());
  Value scratch = memref::AllocaOp::create(b, twin.getLoc(), MemRefType::get({5}, b.getI64Type()));
  for (Operation *op : ops) {
    b.setInsertionPoint(op);
    if (failed(isa<nvgpu::LdMatrixOp>(op)
                   ? emulateLdMatrix(b, cast<nvgpu::LdMatrixOp>(op), thread, scratch)
                   : emulateMma(b, cast<nvgpu::MmaSyncOp>(op), thread, scratch)))
      return failure();
  }
  return success();
}

/// An atomic read-modify-write as a plain one: the emulated threads of a launch take turns
/// on one host thread, so nothing runs between the read and the write.
void serializeAtomic(OpBuilder &b, memref::GenericAtomicRMWOp rmw) {
  Location loc = rmw.getLoc();
  Value current = memref::LoadOp::create(b, loc, rmw.getMemref(), rmw.getIndices());
  IRMapping mapping;
  mapping.map(rmw.getCurrentValue(), current);
  Block *body = rmw.getBody();
  for (Operation &inner : body->without_terminator())
    b.clone(inner, mapping);
  auto yield = cast<memref::AtomicYieldOp>(body->getTerminator());
  memref::StoreOp::create(b, loc, mapping.lookupOrDefault(yield.getResult()), rmw.getMemref(),
                          rmw.getIndices());
  rmw.replaceAllUsesWith(current);
  rmw.erase();
}

/// The kernel's workgroup attributions (trailing arguments of the twin's entry block after
/// the cloned ones) as host globals `@kiln_emu_shared_<kernel>_<i>`: the emulated device runs
/// one block at a time, and one launch at a time (CUDAEmulator.cpp), so the block's threads
/// share them and nothing else uses them meanwhile.
/// Tracks which elements of a workgroup buffer the block has written: each store sets the
/// element's byte in `shadow`, each load first checks it (kiln_emu_unwritten when clear).
void trackWrites(OpBuilder &b, Operation *access, Value shadow, Value thread) {
  Location loc = access->getLoc();
  auto type = cast<MemRefType>(shadow.getType());
  ValueRange indices = isa<memref::LoadOp>(access) ? cast<memref::LoadOp>(access).getIndices()
                                                   : cast<memref::StoreOp>(access).getIndices();
  OpBuilder::InsertionGuard guard(b);
  if (isa<memref::StoreOp>(access)) {
    b.setInsertionPointAfter(access);
    memref::StoreOp::create(b, loc, arith::ConstantIntOp::create(b, loc, b.getI8Type(), 1), shadow,
                            indices);
    return;
  }
  b.setInsertionPoint(access);
  Value written = memref::LoadOp::create(b, loc, shadow, indices);
  Value fresh = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, written,
                                      arith::ConstantIntOp::create(b, loc, b.getI8Type(), 0));
  auto report = scf::IfOp::create(b, loc, fresh, /*withElseRegion=*/false);
  b.setInsertionPoint(report.thenBlock()->getTerminator());
  Value flat = arith::ConstantIndexOp::create(b, loc, 0);
  for (auto [index, size] : llvm::zip(indices, type.getShape()))
    flat = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, flat, arith::ConstantIndexOp::create(b, loc, size)),
        index);
  func::CallOp::create(
      b, loc, kUnwrittenFunction, TypeRange{},
      ValueRange{thread, arith::IndexCastOp::create(b, loc, b.getI64Type(), flat)});
}

LogicalResult placeWorkgroupMemory(OpBuilder &b, ModuleOp module, gpu::GPUFuncOp kernel,
                                   Block &entry, Value thread,
                                   SmallVectorImpl<Attribute> &shadows) {
  unsigned first = 1 + kernel.getNumArguments();
  for (unsigned i = 0, n = kernel.getNumWorkgroupAttributions(); i < n; ++i) {
    BlockArgument shared = entry.getArgument(first + i);
    auto type = cast<MemRefType>(shared.getType());
    auto hostType = MemRefType::get(type.getShape(), type.getElementType());
    if (!hostType.hasStaticShape())
      return kernel.emitError("a workgroup buffer of dynamic size cannot be emulated");
    std::string name = (kPrefix + "shared_" + kernel.getName() + "_" + std::to_string(i)).str();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(module.getBody());
    memref::GlobalOp::create(b, kernel.getLoc(), name, b.getStringAttr("private"), hostType,
                             b.getUnitAttr(), /*constant=*/false, /*alignment=*/nullptr);
    std::string shadowName =
        (kPrefix + "shadow_" + kernel.getName() + "_" + std::to_string(i)).str();
    auto shadowType = MemRefType::get(type.getShape(), b.getI8Type());
    memref::GlobalOp::create(b, kernel.getLoc(), shadowName, b.getStringAttr("public"), shadowType,
                             b.getUnitAttr(), /*constant=*/false,
                             /*alignment=*/nullptr);
    shadows.push_back(b.getArrayAttr({kernel.getNameAttr(), b.getStringAttr(shadowName),
                                      b.getI64IntegerAttr(shadowType.getNumElements())}));
    b.setInsertionPointToStart(&entry);
    Value global = memref::GetGlobalOp::create(b, kernel.getLoc(), hostType, name);
    Value shadow = memref::GetGlobalOp::create(b, kernel.getLoc(), shadowType, shadowName);
    for (OpOperand &use : llvm::make_early_inc_range(shared.getUses())) {
      if (!isa<memref::LoadOp, memref::StoreOp>(use.getOwner()))
        return use.getOwner()->emitError("the emulated device reads and writes workgroup "
                                         "memory only through memref.load and memref.store");
      use.set(global);
      trackWrites(b, use.getOwner(), shadow, thread);
    }
  }
  entry.eraseArguments(first, kernel.getNumWorkgroupAttributions());
  return success();
}

struct CUDAEmulationKernelsPass : kiln::impl::CUDAEmulationKernelsBase<CUDAEmulationKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto kernels = module.lookupSymbol<gpu::GPUModuleOp>("kiln_kernels");
    if (!kernels)
      return;
    OpBuilder b(module.getContext());
    Type i64 = b.getI64Type();
    declare(b, module, kIdFunction, b.getFunctionType({i64, i64}, {i64}));
    declare(b, module, kBarrierFunction, b.getFunctionType({i64}, {}));
    declare(b, module, kFaultFunction, b.getFunctionType({i64, i64, i64, i64}, {}));
    declare(b, module, kUnwrittenFunction, b.getFunctionType({i64, i64}, {}));
    declare(b, module, kShuffleFunction, b.getFunctionType({i64, i64, i64, i64, i64}, {i64}));
    declare(b, module, kMatrixFunction,
            b.getFunctionType({i64, i64, MemRefType::get({5}, i64)}, {}));
    b.setInsertionPointToEnd(module.getBody());
    for (auto global : kernels.getOps<memref::GlobalOp>()) {
      auto twin = cast<memref::GlobalOp>(b.clone(*global));
      twin.setSymName((kPrefix + global.getSymName()).str());
    }
    SmallVector<Attribute> barriers, shadows;
    for (auto kernel : kernels.getOps<gpu::GPUFuncOp>()) {
      if (!kernel.isKernel() || failed(emulate(b, module, kernel, shadows)))
        return signalPassFailure();
      // Threads that wait for each other (at a barrier, a shuffle or a matrix op) run as
      // fibers.
      if (kernel
              .walk([](Operation *op) {
                return isa<gpu::BarrierOp, gpu::ShuffleOp, nvgpu::LdMatrixOp, nvgpu::MmaSyncOp>(op)
                           ? WalkResult::interrupt()
                           : WalkResult::advance();
              })
              .wasInterrupted())
        barriers.push_back(kernel.getNameAttr());
    }
    module->setAttr("kiln.emulation_barriers", b.getArrayAttr(barriers));
    module->setAttr("kiln.emulation_shadows", b.getArrayAttr(shadows));
  }

  LogicalResult emulate(OpBuilder &b, ModuleOp module, gpu::GPUFuncOp kernel,
                        SmallVectorImpl<Attribute> &shadows) {
    if (kernel.getNumPrivateAttributions())
      return kernel.emitError("the emulated device does not run kernels with private memory "
                              "attributions yet");
    Location loc = kernel.getLoc();
    SmallVector<Type> inputs = {b.getI64Type()};
    llvm::append_range(inputs, kernel.getArgumentTypes());
    b.setInsertionPointToEnd(module.getBody());
    auto twin = func::FuncOp::create(b, loc, (kPrefix + kernel.getName()).str(),
                                     b.getFunctionType(inputs, {}));
    IRMapping mapping;
    kernel.getBody().cloneInto(&twin.getBody(), mapping);
    Block &entry = twin.getBody().front();
    Value thread = entry.insertArgument(0u, b.getI64Type(), loc);
    if (failed(emulateMatrixOps(b, twin, thread)) ||
        failed(placeWorkgroupMemory(b, module, kernel, entry, thread, shadows)))
      return failure();

    SmallVector<Operation *> ops;
    twin.walk([&](Operation *op) { ops.push_back(op); });
    for (Operation *op : ops) {
      b.setInsertionPoint(op);
      if (int64_t which = idIndex(op); which >= 0) {
        Value id =
            func::CallOp::create(
                b, op->getLoc(), kIdFunction, TypeRange{b.getI64Type()},
                ValueRange{thread, arith::ConstantIntOp::create(b, loc, b.getI64Type(), which)})
                .getResult(0);
        op->replaceAllUsesWith(
            arith::IndexCastOp::create(b, op->getLoc(), b.getIndexType(), id)->getResults());
        op->erase();
      } else if (isa<gpu::BarrierOp>(op)) {
        func::CallOp::create(b, op->getLoc(), kBarrierFunction, TypeRange{}, ValueRange{thread});
        op->erase();
      } else if (auto shuffle = dyn_cast<gpu::ShuffleOp>(op)) {
        if (failed(emulateShuffle(b, shuffle, thread)))
          return failure();
      } else if (isa<gpu::ReturnOp>(op)) {
        func::ReturnOp::create(b, op->getLoc());
        op->erase();
      } else if (auto global = dyn_cast<memref::GetGlobalOp>(op);
                 global && !global.getName().starts_with(kPrefix)) {
        global.setName((kPrefix + global.getName()).str());
      } else if (auto rmw = dyn_cast<memref::GenericAtomicRMWOp>(op)) {
        serializeAtomic(b, rmw);
      } else if (auto load = dyn_cast<memref::LoadOp>(op)) {
        guardAccess(b, op, thread, load.getMemRef(), load.getIndices());
      } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
        guardAccess(b, op, thread, store.getMemRef(), store.getIndices());
      } else if (op->getDialect() && op->getDialect()->getNamespace() == "gpu") {
        return op->emitError("the emulated device does not run '") << op->getName() << "' yet";
      }
    }
    return success();
  }
};

} // namespace
