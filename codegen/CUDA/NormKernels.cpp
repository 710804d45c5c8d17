//===- NormKernels.cpp - kiln-cuda-norm-kernels ---------------------------===//
//
// kiln.layer_norm and kiln.rms_norm on buffers as one kernel each: a block per row, the row's
// statistics folded by strided threads and combined by warp shuffles and workgroup memory, the
// normalised row written by the same threads.
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/CUDAPasses.h"

#include "codegen/CUDA/KernelBuilding.h"

namespace kiln {
#define GEN_PASS_DEF_CUDANORMKERNELS
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr int64_t kWarp = 32, kMaxThreads = 256;

/// What a norm computes, whichever op it comes from.
struct Norm {
  Operation *op;
  Value input, scale, bias, output; // bias: layer norm only, optional
  int64_t axis;
  double epsilon;
  bool rms;
};

class NormKernel {
public:
  explicit NormKernel(const Norm &norm) : norm(norm), b(norm.op), loc(norm.op->getLoc()) {}
  void build();

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f32(double v) { return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v)); }
  /// The element of `memref` at column `column` of this block's row, in f32.
  Value load(Value memref, ArrayRef<Value> columnIndices);
  /// Indices of a parameter (scale, bias) that broadcasts over the normalised dims.
  SmallVector<Value> parameterIndices(Value parameter, ArrayRef<Value> columnIndices);
  /// The sum over this block's row of `term(x)`.
  Value rowSum(llvm::function_ref<Value(Value)> term);
  /// The sum of `value` over the block's threads, in every thread.
  Value blockSum(Value value);

  Norm norm;
  OpBuilder b;
  Location loc;
  SmallVector<Value> leadingSizes, trailingSizes, rowIndices;
  int64_t threads = kMaxThreads;
  Value thread, columns, end, scratch;
};

Value NormKernel::load(Value memref, ArrayRef<Value> indices) {
  Value v = memref::LoadOp::create(b, loc, memref, indices);
  return v.getType().isF32() ? v : arith::ExtFOp::create(b, loc, b.getF32Type(), v).getResult();
}

SmallVector<Value> NormKernel::parameterIndices(Value parameter, ArrayRef<Value> column) {
  auto type = cast<MemRefType>(parameter.getType());
  SmallVector<Value> indices;
  for (int64_t d = 0, lead = int64_t(column.size()) - type.getRank(); d < type.getRank(); ++d)
    indices.push_back(type.getDimSize(d) == 1 ? index(0) : column[lead + d]);
  return indices;
}

Value NormKernel::blockSum(Value value) {
  value = kiln::warpGroupSum(b, loc, value, kWarp);
  // Lane 0 of each warp publishes its warp's sum; every thread adds them up.
  Value lane = arith::RemUIOp::create(b, loc, thread, index(kWarp));
  Value warp = arith::DivUIOp::create(b, loc, thread, index(kWarp));
  auto publish = scf::IfOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, index(0)), false);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(publish.thenBlock()->getTerminator());
    memref::StoreOp::create(b, loc, value, scratch, warp);
  }
  gpu::BarrierOp::create(b, loc);
  Value total = memref::LoadOp::create(b, loc, scratch, index(0));
  for (int64_t w = 1; w < threads / kWarp; ++w)
    total = arith::AddFOp::create(b, loc, total, memref::LoadOp::create(b, loc, scratch, index(w)));
  // The next sum reuses the scratch only after every thread has read this one.
  gpu::BarrierOp::create(b, loc);
  return total;
}

Value NormKernel::rowSum(llvm::function_ref<Value(Value)> term) {
  auto fold = scf::ForOp::create(
      b, loc, thread, end, index(threads), ValueRange{f32(0.0)},
      [&](OpBuilder &, Location, Value column, ValueRange acc) {
        SmallVector<Value> indices = rowIndices;
        llvm::append_range(indices, kiln::delinearizeIndex(b, loc, column, trailingSizes));
        Value x = load(norm.input, indices);
        scf::YieldOp::create(b, loc, ValueRange{arith::AddFOp::create(b, loc, acc[0], term(x))});
      });
  return blockSum(fold.getResult(0));
}

void NormKernel::build() {
  auto type = cast<MemRefType>(norm.input.getType());
  int64_t rank = type.getRank(), axis = norm.axis < 0 ? norm.axis + rank : norm.axis;
  Value rows = index(1);
  columns = index(1);
  int64_t staticColumns = 1;
  for (int64_t d = 0; d < rank; ++d) {
    Value size = memref::DimOp::create(b, loc, norm.input, d);
    if (d < axis) {
      leadingSizes.push_back(size);
      rows = arith::MulIOp::create(b, loc, rows, size);
    } else {
      trailingSizes.push_back(size);
      columns = arith::MulIOp::create(b, loc, columns, size);
      staticColumns =
          type.isDynamicDim(d) || staticColumns < 0 ? -1 : staticColumns * type.getDimSize(d);
    }
  }
  // Enough threads for the row (a whole number of warps), at most 256.
  if (staticColumns > 0)
    for (threads = kWarp; threads < kMaxThreads && threads < staticColumns;)
      threads *= 2;
  Value one = index(1);
  auto scratchType =
      MemRefType::get({threads / kWarp}, b.getF32Type(), MemRefLayoutAttrInterface(),
                      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup));
  auto launch =
      gpu::LaunchOp::create(b, loc, arith::MaxUIOp::create(b, loc, rows, one), one, one,
                            index(threads), one, one, /*dynamicSharedMemorySize=*/nullptr,
                            /*asyncTokenType=*/nullptr, ValueRange{}, TypeRange{scratchType});
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  scratch = launch.getWorkgroupAttributions()[0];
  thread = launch.getThreadIds().x;
  Value row = launch.getBlockIds().x;
  // An idle block (no rows at all) folds and writes nothing but meets every barrier.
  Value active = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, rows);
  end = arith::SelectOp::create(b, loc, active, columns, index(0));
  rowIndices = kiln::delinearizeIndex(b, loc, row, leadingSizes);
  Value count = arith::UIToFPOp::create(
      b, loc, b.getF32Type(), arith::IndexCastUIOp::create(b, loc, b.getI64Type(), columns));

  Value mean = f32(0.0), meanSquare;
  if (norm.rms) {
    meanSquare = rowSum([&](Value x) { return arith::MulFOp::create(b, loc, x, x); });
  } else {
    mean = arith::DivFOp::create(b, loc, rowSum([](Value x) { return x; }), count);
    meanSquare = rowSum([&](Value x) {
      Value centred = arith::SubFOp::create(b, loc, x, mean);
      return arith::MulFOp::create(b, loc, centred, centred);
    });
  }
  meanSquare = arith::DivFOp::create(b, loc, meanSquare, count);
  // 1 / sqrt(var + epsilon), as the reference lowering computes it.
  // (Each op built in its own statement: argument evaluation order is unspecified in C++.)
  Value root =
      math::SqrtOp::create(b, loc, arith::AddFOp::create(b, loc, meanSquare, f32(norm.epsilon)));
  Value inverse = arith::DivFOp::create(b, loc, f32(1.0), root);

  Type element = cast<MemRefType>(norm.output.getType()).getElementType();
  scf::ForOp::create(b, loc, thread, end, index(threads), ValueRange{},
                     [&](OpBuilder &, Location, Value column, ValueRange) {
                       SmallVector<Value> columnIndices =
                           kiln::delinearizeIndex(b, loc, column, trailingSizes);
                       SmallVector<Value> indices = rowIndices;
                       llvm::append_range(indices, columnIndices);
                       Value x = load(norm.input, indices);
                       if (!norm.rms)
                         x = arith::SubFOp::create(b, loc, x, mean);
                       Value normalised = arith::MulFOp::create(b, loc, x, inverse);
                       Value scale = load(norm.scale, parameterIndices(norm.scale, columnIndices));
                       Value y = arith::MulFOp::create(b, loc, normalised, scale);
                       if (norm.bias) {
                         Value bias = load(norm.bias, parameterIndices(norm.bias, columnIndices));
                         y = arith::AddFOp::create(b, loc, y, bias);
                       }
                       if (!element.isF32())
                         y = arith::TruncFOp::create(b, loc, element, y);
                       memref::StoreOp::create(b, loc, y, norm.output, indices);
                       scf::YieldOp::create(b, loc);
                     });
  norm.op->erase();
}

struct CUDANormKernelsPass : kiln::impl::CUDANormKernelsBase<CUDANormKernelsPass> {
  void runOnOperation() override {
    SmallVector<Norm> norms;
    getOperation().walk([&](Operation *op) {
      if (auto ln = dyn_cast<kiln::LayerNormOp>(op))
        norms.push_back({op, ln.getInput(), ln.getScale(), ln.getBias(), ln.getInit(),
                         static_cast<int64_t>(ln.getAxis()), ln.getEpsilon().convertToDouble(),
                         false});
      else if (auto rms = dyn_cast<kiln::RMSNormOp>(op))
        norms.push_back({op, rms.getInput(), rms.getScale(), Value(), rms.getInit(),
                         static_cast<int64_t>(rms.getAxis()), rms.getEpsilon().convertToDouble(),
                         true});
    });
    for (const Norm &norm : norms) {
      if (!isa<MemRefType>(norm.input.getType())) {
        norm.op->emitError("the norm must be bufferized before its kernel is built");
        return signalPassFailure();
      }
      NormKernel(norm).build();
    }
  }
};

} // namespace
