//===- EmulationEntries.cpp - kiln-cuda-emulation-entries -----------------===//
//
// The emulated device launches a kernel as cuLaunchKernel does: with an array of pointers to
// the parameters' values. Each emulated kernel's entry unpacks that array into the
// parameters of its LLVM function (a memref's pointers, offset, sizes and strides, as the
// NVVM lowering lays them out for the GPU).
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"

namespace kiln {
#define GEN_PASS_DEF_CUDAEMULATIONENTRIES
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kTwinPrefix = "kiln_emu_kiln_kernel_";
constexpr llvm::StringLiteral kGlobalPrefix = "kiln_emu_";
constexpr llvm::StringLiteral kSharedPrefix = "kiln_emu_shared_";
constexpr llvm::StringLiteral kShadowPrefix = "kiln_emu_shadow_";

struct CUDAEmulationEntriesPass
    : kiln::impl::CUDAEmulationEntriesBase<CUDAEmulationEntriesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = module.getContext();
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto ptr = LLVM::LLVMPointerType::get(context);
    Type i64 = b.getI64Type();
    // (kernel index, entry name, parameter count)
    SmallVector<std::tuple<int64_t, std::string, int64_t>> entries;
    SmallVector<Attribute> globals;
    SmallVector<LLVM::LLVMFuncOp> twins;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      if (func.getName().starts_with(kTwinPrefix) && !func.isExternal())
        twins.push_back(func);
    for (LLVM::LLVMFuncOp twin : twins) {
      int64_t index;
      if (twin.getName().drop_front(kTwinPrefix.size()).getAsInteger(10, index))
        continue;
      Location loc = twin.getLoc();
      std::string name = "kiln_emu_entry_" + std::to_string(index);
      auto entry = LLVM::LLVMFuncOp::create(
          b, loc, name, LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context), {i64, ptr}));
      OpBuilder body = OpBuilder::atBlockBegin(entry.addEntryBlock(b));
      SmallVector<Value> args = {entry.getArgument(0)};
      ArrayRef<Type> params = twin.getFunctionType().getParams();
      for (auto [j, type] : llvm::enumerate(params.drop_front())) {
        Value slot = LLVM::GEPOp::create(body, loc, ptr, ptr, entry.getArgument(1),
                                         ArrayRef<LLVM::GEPArg>{int32_t(j)});
        Value value = LLVM::LoadOp::create(body, loc, ptr, slot);
        args.push_back(LLVM::LoadOp::create(body, loc, type, value));
      }
      LLVM::CallOp::create(body, loc, twin, args);
      LLVM::ReturnOp::create(body, loc, ValueRange{});
      entries.push_back({index, name, int64_t(params.size()) - 1});
    }
    llvm::sort(entries);
    SmallVector<Attribute> names, counts;
    for (auto &[index, name, count] : entries) {
      names.push_back(StringAttr::get(context, name));
      counts.push_back(b.getI64IntegerAttr(count));
    }
    for (auto global : module.getOps<LLVM::GlobalOp>()) {
      // Device globals the host looks up by name; not the twins' workgroup memory or its
      // shadow bytes.
      if (!global.getSymName().starts_with(kGlobalPrefix) ||
          global.getSymName().starts_with(kSharedPrefix) ||
          global.getSymName().starts_with(kShadowPrefix))
        continue;
      auto array = dyn_cast<LLVM::LLVMArrayType>(global.getGlobalType());
      uint64_t bytes = array ? array.getNumElements() *
                                   (array.getElementType().getIntOrFloatBitWidth() / 8)
                             : 0;
      globals.push_back(ArrayAttr::get(
          context, {StringAttr::get(context, global.getSymName()), b.getI64IntegerAttr(bytes)}));
    }
    module->setAttr("kiln.emulation_kernels", ArrayAttr::get(context, names));
    module->setAttr("kiln.emulation_param_counts", ArrayAttr::get(context, counts));
    module->setAttr("kiln.emulation_globals", ArrayAttr::get(context, globals));
  }
};

} // namespace
