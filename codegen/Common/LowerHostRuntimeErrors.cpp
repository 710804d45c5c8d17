//===- LowerHostRuntimeErrors.cpp - kiln-lower-host-runtime-errors --------===//
//
// Host code's side of run-time error reports: kiln.index_error calls
// `kiln_rt_index_error(const char *site, int64_t index, int64_t dim)`, which records the first
// error of the run (runtime/lib/abi.h); the site's name is a private constant C string.
//
//===----------------------------------------------------------------------===//

#include "codegen/Common/CommonPasses.h"

#include "dialects/Kiln/KilnDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace kiln {
#define GEN_PASS_DEF_LOWERHOSTRUNTIMEERRORS
#include "codegen/Common/CommonPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kIndexErrorFunction = "kiln_rt_index_error";

/// One private constant global holding `text` as a C string.
LLVM::GlobalOp siteGlobal(OpBuilder &b, ModuleOp module, Location loc, llvm::StringRef text) {
  std::string bytes = text.str();
  bytes.push_back('\0');
  std::string symbol = "kiln_site_0";
  for (unsigned i = 1; module.lookupSymbol(symbol); ++i)
    symbol = "kiln_site_" + std::to_string(i);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), bytes.size());
  return LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/true, LLVM::Linkage::Private,
                                symbol, b.getStringAttr(bytes));
}

struct LowerHostRuntimeErrorsPass
    : kiln::impl::LowerHostRuntimeErrorsBase<LowerHostRuntimeErrorsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<kiln::IndexErrorOp> reports;
    module.walk([&](kiln::IndexErrorOp op) {
      if (!op->getParentOfType<gpu::GPUModuleOp>())
        reports.push_back(op);
    });
    if (reports.empty())
      return;
    OpBuilder b(module.getContext());
    if (!module.lookupSymbol(kIndexErrorFunction)) {
      b.setInsertionPointToStart(module.getBody());
      auto ptr = LLVM::LLVMPointerType::get(b.getContext());
      auto decl = func::FuncOp::create(
          b, module.getLoc(), kIndexErrorFunction,
          b.getFunctionType({ptr, b.getI64Type(), b.getI64Type()}, {}));
      decl.setPrivate();
    }
    for (kiln::IndexErrorOp op : reports) {
      Location loc = op.getLoc();
      LLVM::GlobalOp global = siteGlobal(b, module, loc, op.getSite());
      b.setInsertionPoint(op);
      Value site = LLVM::AddressOfOp::create(b, loc, global);
      Value index = arith::IndexCastOp::create(b, loc, b.getI64Type(), op.getIndex());
      Value dim = arith::IndexCastOp::create(b, loc, b.getI64Type(), op.getDim());
      func::CallOp::create(b, loc, kIndexErrorFunction, TypeRange{},
                           ValueRange{site, index, dim});
      op.erase();
    }
  }
};

} // namespace
