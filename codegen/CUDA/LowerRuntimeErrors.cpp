//===- LowerRuntimeErrors.cpp - kiln-cuda-lower-runtime-errors ------------===//
//
// The CUDA side of run-time error reports. A kernel cannot call the host, so each
// kiln.index_error claims the module's error record `@kiln_error` (site, index, dim) with an
// atomic compare-and-swap on its first word: the first report of a run wins, as on the CPU,
// and the host reads the record after the run. Site numbers start at 1 (0: no error) and
// index the module's `kiln.error_sites` names.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"

#include "dialects/Kiln/KilnDialect.h"

namespace kiln {
#define GEN_PASS_DEF_CUDALOWERRUNTIMEERRORS
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kErrorRecord = "kiln_error";

memref::GlobalOp errorRecord(gpu::GPUModuleOp module) {
  if (auto global = module.lookupSymbol<memref::GlobalOp>(kErrorRecord))
    return global;
  OpBuilder b = OpBuilder::atBlockBegin(&module.getBodyRegion().front());
  auto type = MemRefType::get({4}, b.getI64Type());
  return memref::GlobalOp::create(
      b, module.getLoc(), kErrorRecord, b.getStringAttr("public"), type,
      DenseElementsAttr::get(RankedTensorType::get({4}, b.getI64Type()), int64_t(0)),
      /*constant=*/false, /*alignment=*/nullptr);
}

/// The report as: if (cas(&record[0], 0, site) == 0) { record[1] = index; record[2] = dim; }
void lowerReport(kiln::IndexErrorOp op, memref::GlobalOp record, int64_t site) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i64 = b.getI64Type();
  Value memory = memref::GetGlobalOp::create(b, loc, record.getType(), record.getSymName());
  Value zero = arith::ConstantIntOp::create(b, loc, i64, 0);
  Value siteValue = arith::ConstantIntOp::create(b, loc, i64, site);
  auto index = [&](int64_t i) { return arith::ConstantIndexOp::create(b, loc, i); };
  auto claim = memref::GenericAtomicRMWOp::create(b, loc, memory, ValueRange{index(0)});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(claim.getBody());
    Value current = claim.getCurrentValue();
    Value free = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, current, zero);
    Value next = arith::SelectOp::create(b, loc, free, siteValue, current);
    memref::AtomicYieldOp::create(b, loc, next);
  }
  Value won = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, claim.getResult(), zero);
  auto ifWon = scf::IfOp::create(b, loc, won, /*withElseRegion=*/false);
  b.setInsertionPoint(ifWon.thenBlock()->getTerminator());
  memref::StoreOp::create(b, loc, arith::IndexCastOp::create(b, loc, i64, op.getIndex()), memory,
                          ValueRange{index(1)});
  memref::StoreOp::create(b, loc, arith::IndexCastOp::create(b, loc, i64, op.getDim()), memory,
                          ValueRange{index(2)});
  op.erase();
}

struct CUDALowerRuntimeErrorsPass
    : kiln::impl::CUDALowerRuntimeErrorsBase<CUDALowerRuntimeErrorsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Attribute> sites;
    for (auto kernels : module.getOps<gpu::GPUModuleOp>()) {
      SmallVector<kiln::IndexErrorOp> reports;
      kernels.walk([&](kiln::IndexErrorOp op) { reports.push_back(op); });
      if (reports.empty())
        continue;
      memref::GlobalOp record = errorRecord(kernels);
      for (kiln::IndexErrorOp op : reports) {
        sites.push_back(op.getSiteAttr());
        lowerReport(op, record, sites.size());
      }
    }
    if (!sites.empty())
      module->setAttr("kiln.error_sites", ArrayAttr::get(module.getContext(), sites));
  }
};

} // namespace
