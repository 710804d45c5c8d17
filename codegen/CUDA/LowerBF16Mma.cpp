//===- LowerBF16Mma.cpp - kiln-cuda-lower-bf16-mma ------------------------===//

#include "codegen/CUDA/CUDAPasses.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_CUDALOWERBF16MMA
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The 32-bit registers of a 16-bit fragment (vector<Rx2xbf16>): one per row.
SmallVector<Value> registersOf(PatternRewriter &rewriter, Location loc, Value fragment) {
  auto type = cast<VectorType>(fragment.getType());
  auto i32x1 = VectorType::get({1}, rewriter.getI32Type());
  SmallVector<Value> registers;
  for (int64_t r = 0; r < type.getDimSize(0); ++r) {
    Value row = vector::ExtractOp::create(rewriter, loc, fragment, ArrayRef<int64_t>{r});
    Value word = vector::BitCastOp::create(rewriter, loc, i32x1, row);
    registers.push_back(vector::ExtractOp::create(rewriter, loc, word, ArrayRef<int64_t>{0}));
  }
  return registers;
}

struct BF16MmaAsNVVM : OpRewritePattern<nvgpu::MmaSyncOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(nvgpu::MmaSyncOp op, PatternRewriter &rewriter) const override {
    auto acc = cast<VectorType>(op.getRes().getType());
    if (!op.getMatrixA().getType().getElementType().isBF16() ||
        !op.getMatrixB().getType().getElementType().isBF16() || !acc.getElementType().isF32() ||
        acc.getShape() != ArrayRef<int64_t>{2, 2})
      return rewriter.notifyMatchFailure(op, "not bf16 x bf16 -> f32 in 2x2 fragments");
    Location loc = op.getLoc();
    SmallVector<Value> c;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t e = 0; e < 2; ++e)
        c.push_back(vector::ExtractOp::create(rewriter, loc, op.getMatrixC(),
                                              ArrayRef<int64_t>{r, e}));
    Type f32 = rewriter.getF32Type();
    auto result = LLVM::LLVMStructType::getLiteral(getContext(), {f32, f32, f32, f32});
    std::array<int64_t, 3> shape = op.getMmaShapeAsArray();
    SmallVector<Value> a = registersOf(rewriter, loc, op.getMatrixA());
    SmallVector<Value> b = registersOf(rewriter, loc, op.getMatrixB());
    Value d = NVVM::MmaOp::create(
        rewriter, loc, result, a, b, c, shape, std::nullopt, std::nullopt,
        std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16, NVVM::MMATypes::bf16},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row, NVVM::MMALayout::col});
    Value fragment = arith::ConstantOp::create(rewriter, loc, acc, rewriter.getZeroAttr(acc));
    for (int64_t i = 0; i < 4; ++i)
      fragment = vector::InsertOp::create(rewriter, loc,
                                          LLVM::ExtractValueOp::create(rewriter, loc, d, i),
                                          fragment, ArrayRef<int64_t>{i / 2, i % 2});
    rewriter.replaceOp(op, fragment);
    return success();
  }
};

struct CUDALowerBF16MmaPass : kiln::impl::CUDALowerBF16MmaBase<CUDALowerBF16MmaPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<BF16MmaAsNVVM>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
