//===- MaterializeParallelLaunches.cpp - Define parallel_for launch stubs ===//
//
// kiln-outline-parallel-loops leaves `kiln_parallel_launch_<i>(n, grain, captures...)` as
// declarations whose signatures, once converted to the LLVM dialect, are the body's
// `kiln_parallel_body_<i>(begin, end, captures...)` with memrefs expanded into descriptor
// fields. This pass gives each launch a definition: store the captures into a stack struct and
// call the runtime's `kiln_rt_parallel_for(n, grain, thunk, &struct)`, where the generated
// `kiln_parallel_thunk_<i>(closure, begin, end)` loads them back and calls the body.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPU/ParallelLaunch.h"
#include "codegen/CPU/CPUPasses.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace kiln {
#define GEN_PASS_DEF_MATERIALIZEPARALLELLAUNCHES
#include "codegen/CPU/CPUPasses.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::parallel;

namespace {


struct MaterializeParallelLaunchesPass
    : kiln::impl::MaterializeParallelLaunchesBase<MaterializeParallelLaunchesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    auto voidTy = LLVM::LLVMVoidType::get(ctx);
    LLVM::LLVMFuncOp parallelFor;

    for (auto launch : llvm::make_early_inc_range(module.getOps<LLVM::LLVMFuncOp>())) {
      if (!launch.isExternal() || !launch.getName().starts_with(kLaunchPrefix))
        continue;
      StringRef id = launch.getName().drop_front(kLaunchPrefix.size());
      auto body = module.lookupSymbol<LLVM::LLVMFuncOp>((kBodyPrefix + id).str());
      ArrayRef<Type> params = launch.getFunctionType().getParams();
      if (!body || body.getFunctionType() != launch.getFunctionType() || params.size() < 2 ||
          params[0] != i64 || params[1] != i64) {
        launch.emitOpError("has no parallel body of the same signature");
        return signalPassFailure();
      }
      Location loc = launch.getLoc();
      if (!parallelFor) {
        b.setInsertionPointToStart(module.getBody());
        parallelFor = LLVM::LLVMFuncOp::create(
            b, loc, kParallelFor, LLVM::LLVMFunctionType::get(voidTy, {i64, i64, ptr, ptr}));
      }
      ArrayRef<Type> captureTypes = params.drop_front(2);
      auto closureType = LLVM::LLVMStructType::getLiteral(ctx, captureTypes);
      auto field = [&](Value base, unsigned i) {
        return LLVM::GEPOp::create(b, loc, ptr, closureType, base,
                                   ArrayRef<LLVM::GEPArg>{0, int32_t(i)});
      };

      // thunk(closure, begin, end): body(begin, end, closure->fields...).
      b.setInsertionPoint(launch);
      auto thunk = LLVM::LLVMFuncOp::create(b, loc, (kThunkPrefix + id).str(),
                                            LLVM::LLVMFunctionType::get(voidTy, {ptr, i64, i64}),
                                            LLVM::Linkage::Internal);
      Block *thunkEntry = thunk.addEntryBlock(b);
      b.setInsertionPointToStart(thunkEntry);
      SmallVector<Value> args = {thunkEntry->getArgument(1), thunkEntry->getArgument(2)};
      for (auto [i, type] : llvm::enumerate(captureTypes))
        args.push_back(LLVM::LoadOp::create(b, loc, type, field(thunkEntry->getArgument(0), i)));
      LLVM::CallOp::create(b, loc, body, args);
      LLVM::ReturnOp::create(b, loc, ValueRange{});

      // launch(n, grain, captures...): pack the captures, hand the thunk to the runtime.
      Block *entry = launch.addEntryBlock(b);
      b.setInsertionPointToStart(entry);
      Value one = LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(1));
      Value closure = LLVM::AllocaOp::create(b, loc, ptr, closureType, one);
      for (unsigned i = 0; i < captureTypes.size(); ++i)
        LLVM::StoreOp::create(b, loc, entry->getArgument(2 + i), field(closure, i));
      Value fn = LLVM::AddressOfOp::create(b, loc, thunk);
      LLVM::CallOp::create(b, loc, parallelFor,
                           ValueRange{entry->getArgument(0), entry->getArgument(1), fn, closure});
      LLVM::ReturnOp::create(b, loc, ValueRange{});
      launch.setLinkage(LLVM::Linkage::Internal);
      body.setLinkage(LLVM::Linkage::Internal);
    }
  }
};

} // namespace
