//===- ReducePrecision.cpp - kiln-reduce-precision ------------------------===//
//
// `--precision=fp16|bf16`: f32 contractions take their operands in the low type and keep
// accumulating (and returning) f32, which is the contract of tfm.matmul and tfm.attention for
// f16/bf16 operands and what tensor cores compute. Only contraction operands change type, so
// everything numerically delicate -- normalisation statistics, softmax, residual adds, the
// model's outputs -- stays f32 without a list of exceptions.
//
// Weights are converted at compile time from their bytes (dense or dense_resource), rounding to
// nearest even; an activation gets one onnx.Cast per value, shared by every contraction that
// reads it (Q, K and V projections of one input convert it once).
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionUtils.h"
#include "passes/Passes.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/TFM/TFMDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"

#include <cstring>

namespace kiln {
#define GEN_PASS_DEF_REDUCEPRECISION
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

bool isF32Tensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getElementType().isF32();
}

/// f32 values converted to the low type, each once.
class Converter {
public:
  explicit Converter(FloatType low) : low(low) {}

  Value convert(OpBuilder &b, Value v) {
    auto [it, inserted] = converted.try_emplace(v);
    if (!inserted)
      return it->second;
    OpBuilder::InsertionGuard guard(b);
    if (Operation *def = v.getDefiningOp())
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(cast<BlockArgument>(v).getOwner());
    auto type = cast<RankedTensorType>(v.getType()).clone(low);
    if (std::optional<std::vector<char>> bytes = fusion::constantBytes(v))
      it->second = constant(b, v.getLoc(), type, *bytes);
    else
      it->second = onnx::CastOp::create(b, v.getLoc(), type, v, "up", 1,
                                        low.isF16() ? /*FLOAT16*/ 10 : /*BFLOAT16*/ 16);
    return it->second;
  }

private:
  /// A constant of `type` holding the f32 `bytes` rounded to the low type.
  Value constant(OpBuilder &b, Location loc, RankedTensorType type, ArrayRef<char> bytes) {
    const llvm::fltSemantics &semantics = low.getFloatSemantics();
    size_t count = bytes.size() / sizeof(float);
    std::vector<uint16_t> out(count);
    for (size_t i = 0; i < count; ++i) {
      float f;
      std::memcpy(&f, bytes.data() + i * sizeof(float), sizeof(float));
      llvm::APFloat x(f);
      bool lostInfo;
      x.convert(semantics, llvm::APFloat::rmNearestTiesToEven, &lostInfo);
      out[i] = (uint16_t)x.bitcastToAPInt().getZExtValue();
    }
    ArrayRef<char> raw(reinterpret_cast<const char *>(out.data()), count * sizeof(uint16_t));
    auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(raw, alignof(uint64_t));
    auto attr = DenseResourceElementsAttr::get(type, "kiln_reduced", std::move(blob));
    return onnx::ConstantOp::create(b, loc, type, attr).getResult();
  }

  FloatType low;
  llvm::DenseMap<Value, Value> converted;
};

struct ReducePrecision : kiln::impl::ReducePrecisionBase<ReducePrecision> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    FloatType low;
    if (precision == "fp16")
      low = Float16Type::get(ctx);
    else if (precision == "bf16")
      low = BFloat16Type::get(ctx);
    else {
      getOperation().emitError("kiln-reduce-precision: precision must be fp16 or bf16, not '")
          << precision << "'";
      return signalPassFailure();
    }
    Converter converter(low);
    OpBuilder b(ctx);
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<tfm::MatmulOp, tfm::AttentionOp, onnx::MatMulOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      b.setInsertionPoint(op);
      if (auto mm = dyn_cast<tfm::MatmulOp>(op)) {
        if (!isF32Tensor(mm.getLhs()) || !isF32Tensor(mm.getRhs()))
          continue;
        mm.getLhsMutable().assign(converter.convert(b, mm.getLhs()));
        mm.getRhsMutable().assign(converter.convert(b, mm.getRhs()));
      } else if (auto attention = dyn_cast<tfm::AttentionOp>(op)) {
        if (!isF32Tensor(attention.getQuery()) || !isF32Tensor(attention.getKey()) ||
            !isF32Tensor(attention.getValue()))
          continue;
        attention.getQueryMutable().assign(converter.convert(b, attention.getQuery()));
        attention.getKeyMutable().assign(converter.convert(b, attention.getKey()));
        attention.getValueMutable().assign(converter.convert(b, attention.getValue()));
      } else {
        // A plain MatMul restated as the tfm.matmul that defines f32 accumulation.
        auto matmul = cast<onnx::MatMulOp>(op);
        auto a = dyn_cast<RankedTensorType>(matmul.getA().getType());
        auto w = dyn_cast<RankedTensorType>(matmul.getB().getType());
        auto result = dyn_cast<RankedTensorType>(matmul.getType());
        if (!a || !w || !result || a.getRank() < 2 || w.getRank() < 2 ||
            !a.getElementType().isF32() || !w.getElementType().isF32() ||
            !result.getElementType().isF32())
          continue;
        Value lhs = converter.convert(b, matmul.getA()), rhs = converter.convert(b, matmul.getB());
        auto restated = tfm::MatmulOp::create(b, op->getLoc(), result, lhs, rhs, Value(),
                                              /*transpose_rhs=*/false, tfm::Activation::none);
        op->replaceAllUsesWith(restated->getResults());
        op->erase();
      }
    }
  }
};

} // namespace
