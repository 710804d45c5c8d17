//===- ContractionToRuntimeGemm.cpp - f32 contractions as runtime GEMM calls ===//
//
// A matrix multiply written as loops runs at a few percent of the machine's peak; a tuned
// GEMM (register blocking, packing, cache tiling) gets most of it. Until Kiln's own tiling and
// vectorisation exist, contractions on buffers are handed to the runtime, which calls a BLAS
// over the session's threads. The call carries element strides per dim, so the operand
// layouts the lowering produced (transposed weights, broadcast batch dims, strided views) need
// no copies. Batch dims become an scf.for nest around the call.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPU/CPUPasses.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_CONTRACTIONTORUNTIMEGEMM
#include "codegen/CPU/CPUPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kGemmFunction = "kiln_rt_gemm_f32";

/// Base pointer (in bytes, as index) and the element stride of every loop dim of one operand.
struct OperandAccess {
  Value pointer;
  SmallVector<Value> loopStrides;
};

OperandAccess describeOperand(OpBuilder &b, Location loc, Value buffer, AffineMap map,
                              unsigned numLoops) {
  auto md = memref::ExtractStridedMetadataOp::create(b, loc, buffer);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  OperandAccess access;
  access.loopStrides.assign(numLoops, zero);
  for (auto [j, expr] : llvm::enumerate(map.getResults())) {
    unsigned d = cast<AffineDimExpr>(expr).getPosition();
    access.loopStrides[d] =
        arith::AddIOp::create(b, loc, access.loopStrides[d], md.getStrides()[j]);
  }
  Value aligned = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
  Value elementSize = arith::ConstantIndexOp::create(b, loc, 4);
  Value offsetBytes = arith::MulIOp::create(b, loc, md.getOffset(), elementSize);
  access.pointer = arith::AddIOp::create(b, loc, aligned, offsetBytes);
  return access;
}

struct ContractionToGemmCall : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op, PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
      return rewriter.notifyMatchFailure(op, "not a two-input, one-output op on buffers");
    for (OpOperand &operand : op->getOpOperands()) {
      auto type = dyn_cast<MemRefType>(operand.get().getType());
      if (!type || !type.getElementType().isF32())
        return rewriter.notifyMatchFailure(op, "operands are not f32 memrefs");
    }
    if (!linalg::isaContractionOpInterface(op))
      return rewriter.notifyMatchFailure(op, "body is not a multiply-accumulate contraction");
    FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
    if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.empty())
      return rewriter.notifyMatchFailure(op, "no m, n or k dim");
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    if (!llvm::all_of(maps, [](AffineMap m) { return m.isProjectedPermutation(); }))
      return rewriter.notifyMatchFailure(op, "indexing maps are not projected permutations");

    Location loc = op.getLoc();
    unsigned numLoops = op.getNumLoops();
    SmallVector<Range> ranges = op.createLoopRanges(rewriter, loc);
    SmallVector<Value> sizes;
    for (Range r : ranges)
      sizes.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, r.size));
    SmallVector<OperandAccess> access;
    for (OpOperand &operand : op->getOpOperands())
      access.push_back(describeOperand(rewriter, loc, operand.get(),
                                       maps[operand.getOperandNumber()], numLoops));

    // The innermost m, n and k dims are the GEMM's; all other dims (batch dims, and further m,
    // n or k dims, e.g. the batch of [B, S, K] x [K, N]) are loops around it. C accumulates,
    // so looping over an outer k dim is correct too.
    unsigned m = dims->m.back(), n = dims->n.back(), k = dims->k.back();
    SmallVector<unsigned> outer;
    for (unsigned d = 0; d < numLoops; ++d)
      if (d != m && d != n && d != k)
        outer.push_back(d);
    auto emitCall = [&](OpBuilder &b, Location l, ValueRange batchIvs) {
      SmallVector<Value> pointers;
      Value elementSize = arith::ConstantIndexOp::create(b, l, 4);
      for (OperandAccess &a : access) {
        Value p = a.pointer;
        for (auto [iv, d] : llvm::zip(batchIvs, outer)) {
          Value step = arith::MulIOp::create(b, l, iv, a.loopStrides[d]);
          p = arith::AddIOp::create(b, l, p,
                                    arith::MulIOp::create(b, l, step, elementSize));
        }
        pointers.push_back(p);
      }
      SmallVector<Value> args = {sizes[m], sizes[n], sizes[k],
                                 pointers[0], access[0].loopStrides[m], access[0].loopStrides[k],
                                 pointers[1], access[1].loopStrides[k], access[1].loopStrides[n],
                                 pointers[2], access[2].loopStrides[m], access[2].loopStrides[n]};
      func::CallOp::create(b, l, kGemmFunction, TypeRange{}, args);
    };
    if (outer.empty()) {
      emitCall(rewriter, loc, {});
    } else {
      Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
      Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
      SmallVector<Value> lbs(outer.size(), zero), steps(outer.size(), one), ubs;
      for (unsigned d : outer)
        ubs.push_back(sizes[d]);
      scf::buildLoopNest(rewriter, loc, lbs, ubs, steps, emitCall);
    }
    rewriter.eraseOp(op);
    return success();
  }
};

struct ContractionToRuntimeGemmPass
    : kiln::impl::ContractionToRuntimeGemmBase<ContractionToRuntimeGemmPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!module.lookupSymbol(kGemmFunction)) {
      OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
      Type index = b.getIndexType();
      auto decl = func::FuncOp::create(b, module.getLoc(), kGemmFunction,
                                       b.getFunctionType(SmallVector<Type>(12, index), {}));
      decl.setPrivate();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<ContractionToGemmCall>(&getContext());
    if (failed(applyPatternsGreedily(module, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
