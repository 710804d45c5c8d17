//===- TFMDialect.cpp - the tfm dialect -----------------------------------===//
//
// Registration and verifiers of the transformer-level ops.
//
//===----------------------------------------------------------------------===//

#include "dialects/TFM/TFMDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln::tfm;

#include "dialects/TFM/TFMDialect.cpp.inc"
#include "dialects/TFM/TFMEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/TFM/TFMAttrs.cpp.inc"

void TFMDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/TFM/TFMAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/TFM/TFMOps.cpp.inc"
      >();
}

namespace {

constexpr int64_t kDynamic = ShapedType::kDynamic;

bool dimsCompatible(int64_t a, int64_t b) { return a == kDynamic || b == kDynamic || a == b; }

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "," : "") + (d == kDynamic ? std::string("?") : std::to_string(d));
  return s + "]";
}

/// Dims of a 4-D attention operand reordered to (batch, heads, seq, head_dim).
std::array<int64_t, 4> toBHSD(RankedTensorType type, Layout layout) {
  ArrayRef<int64_t> s = type.getShape();
  if (layout == Layout::bshd)
    return {s[0], s[2], s[1], s[3]};
  return {s[0], s[1], s[2], s[3]};
}

/// Checks that `operand` (named `name`) broadcasts to `target` (numpy rules).
LogicalResult checkBroadcastsTo(Operation *op, StringRef name, RankedTensorType operand,
                                ArrayRef<int64_t> target) {
  ArrayRef<int64_t> s = operand.getShape();
  if (s.size() > target.size())
    return op->emitOpError() << name << " " << formatShape(s) << " has a higher rank than "
                             << formatShape(target);
  for (size_t i = 0; i < s.size(); ++i) {
    int64_t t = target[target.size() - s.size() + i];
    if (s[i] != 1 && !dimsCompatible(s[i], t))
      return op->emitOpError() << name << " " << formatShape(s) << " does not broadcast to "
                               << formatShape(target);
  }
  return success();
}

/// Shared check of normalisations: a valid axis and a scale (and bias) of the normalised dims.
LogicalResult verifyNorm(Operation *op, Value input, int64_t axis, float epsilon,
                         ArrayRef<std::pair<StringRef, Value>> params) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  if (axis < -rank || axis >= rank)
    return op->emitOpError("axis ") << axis << " is out of range for rank " << rank;
  if (!(epsilon >= 0))
    return op->emitOpError("epsilon must be >= 0, got ") << epsilon;
  ArrayRef<int64_t> normalized = type.getShape().drop_front(axis < 0 ? axis + rank : axis);
  for (auto [name, value] : params) {
    if (!value)
      continue;
    auto t = cast<RankedTensorType>(value.getType());
    if (t.getElementType() != type.getElementType())
      return op->emitOpError() << name << " element type " << t.getElementType()
                               << " differs from the input's " << type.getElementType();
    if (failed(checkBroadcastsTo(op, name, t, normalized)))
      return failure();
  }
  return success();
}

} // namespace

/// Whether a contraction of `operand` elements may return `result` elements: the same type,
/// or f32 (the accumulation type) for f16/bf16 operands (kiln-reduce-precision).
static bool isResultElementType(Type operand, Type result) {
  return result == operand || (isa<Float16Type, BFloat16Type>(operand) && result.isF32());
}

LogicalResult AttentionOp::verify() {
  auto q = getQuery().getType(), k = getKey().getType(), v = getValue().getType();
  auto out = getOutput().getType();
  for (auto [name, t] : {std::pair<StringRef, RankedTensorType>{"query", q}, {"key", k},
                         {"value", v}, {"output", out}}) {
    if (t.getRank() != 4)
      return emitOpError() << name << " must be 4-D, got " << formatShape(t.getShape());
    if (name != "output" && t.getElementType() != q.getElementType())
      return emitOpError() << name << " element type " << t.getElementType()
                           << " differs from the query's " << q.getElementType();
  }
  if (!isResultElementType(q.getElementType(), out.getElementType()))
    return emitOpError() << "output element type " << out.getElementType()
                         << " must be the query's or, for f16/bf16 operands, f32";
  if (getMaskedValueAttr() && !getMask())
    return emitOpError() << "masked_value needs a mask";
  auto [b, hq, sq, dq] = toBHSD(q, getQueryLayout());
  auto [bk, hk, sk, dk] = toBHSD(k, getKeyLayout());
  auto [bv, hv, sv, dv] = toBHSD(v, getValueLayout());
  auto [bo, ho, so, dout] = toBHSD(out, getOutputLayout());
  if (!dimsCompatible(b, bk) || !dimsCompatible(b, bv) || !dimsCompatible(b, bo))
    return emitOpError("batch dims differ between query, key, value and output");
  if (!dimsCompatible(dq, dk))
    return emitOpError("query head dim ") << dq << " differs from key head dim " << dk;
  if (!dimsCompatible(hk, hv) || !dimsCompatible(sk, sv))
    return emitOpError("key and value must have the same heads and sequence length");
  if (hq != kDynamic && hk != kDynamic && (hk == 0 || hq % hk != 0))
    return emitOpError("query heads (") << hq << ") must be a multiple of key/value heads ("
                                        << hk << ")";
  if (!dimsCompatible(ho, hq) || !dimsCompatible(so, sq) || !dimsCompatible(dout, dv))
    return emitOpError("output must be [batch, query heads, query length, value head dim] in "
                       "its layout");
  if (getMask()) {
    auto m = cast<RankedTensorType>(getMask().getType());
    if (!m.getElementType().isInteger(1) && m.getElementType() != q.getElementType() &&
        m.getElementType() != out.getElementType())
      return emitOpError("mask must be i1 or have the query's or the output's element type, got ")
             << m.getElementType();
    if (failed(checkBroadcastsTo(*this, "mask", m, {b, hq, sq, sk})))
      return failure();
  }
  if (getScale() && !(getScale()->convertToFloat() > 0))
    return emitOpError("scale must be > 0, got ") << getScale()->convertToFloat();
  if (IntegerAttr w = getWindowAttr(); w && (!getCausal() || w.getInt() < 1))
    return emitOpError("window must be >= 1 and come with causal, got ") << w.getInt();
  if (getSoftcap() && !(getSoftcap()->convertToFloat() >= 0))
    return emitOpError("softcap must be >= 0, got ") << getSoftcap()->convertToFloat();
  return success();
}

LogicalResult LayerNormOp::verify() {
  return verifyNorm(*this, getInput(), getAxis(), getEpsilon().convertToFloat(),
                    {{"scale", getScale()}, {"bias", getBias()}});
}

LogicalResult RMSNormOp::verify() {
  return verifyNorm(*this, getInput(), getAxis(), getEpsilon().convertToFloat(),
                    {{"scale", getScale()}});
}

LogicalResult RotaryEmbeddingOp::verify() {
  auto type = getInput().getType();
  if (type.getRank() < 1)
    return emitOpError("input must have at least one dim");
  int64_t features = type.getShape().back();
  int64_t rotary = getRotaryDim() ? (int64_t)*getRotaryDim() : features;
  if (rotary != kDynamic && (rotary <= 0 || rotary % 2 != 0))
    return emitOpError("rotary dim must be positive and even, got ") << rotary;
  if (rotary != kDynamic && features != kDynamic && rotary > features)
    return emitOpError("rotary dim ") << rotary << " exceeds the input's last dim " << features;
  if (getCos().getType() != getSin().getType())
    return emitOpError("cos and sin must have the same type");
  auto table = cast<RankedTensorType>(getCos().getType());
  if (table.getElementType() != type.getElementType())
    return emitOpError("cos/sin element type differs from the input's");
  if (table.getRank() < 1 || table.getRank() > type.getRank())
    return emitOpError("cos/sin rank ") << table.getRank() << " does not fit the input's "
                                        << type.getRank();
  int64_t angles = table.getShape().back();
  if (rotary != kDynamic && angles != kDynamic && angles != rotary && angles != rotary / 2)
    return emitOpError("cos/sin have ") << angles << " angles, expected " << rotary
                                        << " (one per feature) or " << rotary / 2
                                        << " (one per pair)";
  SmallVector<int64_t> target(type.getShape().drop_back());
  return checkBroadcastsTo(*this, "cos/sin",
                           RankedTensorType::get(table.getShape().drop_back(),
                                                 table.getElementType()),
                           target);
}

LogicalResult MatmulOp::verify() {
  auto lhs = getLhs().getType(), rhs = getRhs().getType(), out = getOutput().getType();
  if (lhs.getRank() < 2 || rhs.getRank() < 2)
    return emitOpError("operands must have rank >= 2");
  if (lhs.getElementType() != rhs.getElementType() ||
      !isResultElementType(lhs.getElementType(), out.getElementType()))
    return emitOpError("operands must have one element type and the result the same or, for "
                       "f16/bf16 operands, f32");
  int64_t k1 = lhs.getShape().back();
  int64_t k2 = getTransposeRhs() ? rhs.getShape().back() : rhs.getShape()[rhs.getRank() - 2];
  int64_t n = getTransposeRhs() ? rhs.getShape()[rhs.getRank() - 2] : rhs.getShape().back();
  if (!dimsCompatible(k1, k2))
    return emitOpError("contraction dims differ: ") << k1 << " vs " << k2;
  int64_t m = lhs.getShape()[lhs.getRank() - 2];
  // Batch dims broadcast as in numpy.
  ArrayRef<int64_t> lb = lhs.getShape().drop_back(2), rb = rhs.getShape().drop_back(2);
  size_t batchRank = std::max(lb.size(), rb.size());
  SmallVector<int64_t> expected;
  for (size_t i = 0; i < batchRank; ++i) {
    int64_t a = i < batchRank - lb.size() ? 1 : lb[i - (batchRank - lb.size())];
    int64_t b = i < batchRank - rb.size() ? 1 : rb[i - (batchRank - rb.size())];
    if (a != 1 && b != 1 && !dimsCompatible(a, b))
      return emitOpError("batch dims do not broadcast: ")
             << formatShape(lhs.getShape()) << " and " << formatShape(rhs.getShape());
    expected.push_back(a == 1 ? b : (b == 1 || b == kDynamic ? a : b));
  }
  expected.append({m, n});
  if (out.getRank() != (int64_t)expected.size() ||
      !llvm::all_of(llvm::zip(out.getShape(), expected),
                    [](auto p) { return dimsCompatible(std::get<0>(p), std::get<1>(p)); }))
    return emitOpError("result ") << formatShape(out.getShape()) << " should be "
                                  << formatShape(expected);
  if (getBias()) {
    auto bias = cast<RankedTensorType>(getBias().getType());
    if (bias.getElementType() != out.getElementType())
      return emitOpError("bias element type ") << bias.getElementType()
                                               << " differs from the result's "
                                               << out.getElementType();
    return checkBroadcastsTo(*this, "bias", bias, out.getShape());
  }
  return success();
}

#define GET_OP_CLASSES
#include "dialects/TFM/TFMOps.cpp.inc"
