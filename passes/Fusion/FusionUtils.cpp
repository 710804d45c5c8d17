//===- FusionUtils.cpp - Shared helpers of the tfm raising passes ---------===//

#include "passes/Fusion/FusionUtils.h"

#include "dialects/ONNX/ONNXDialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/DenseMap.h"

#include <cmath>

using namespace mlir;

std::optional<double> kiln::fusion::scalarConstant(Value v) {
  Attribute attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  auto elements = dyn_cast<DenseFPElementsAttr>(attr);
  if (!elements || (!elements.isSplat() && elements.getNumElements() != 1))
    return std::nullopt;
  return elements.getSplatValue<APFloat>().convertToDouble();
}

bool kiln::fusion::approxEqual(double a, double b) {
  return std::abs(a - b) <= 1e-4 * std::max(1.0, std::abs(b));
}

bool kiln::fusion::isScalar(Value v, double expected) {
  std::optional<double> c = scalarConstant(v);
  return c && approxEqual(*c, expected);
}

Operation *kiln::fusion::soleUser(Value v) {
  return v && v.hasOneUse() ? *v.getUsers().begin() : nullptr;
}

Value kiln::fusion::otherOperand(Operation *op, Value v) {
  if (!op || op->getNumOperands() != 2)
    return {};
  if (op->getOperand(0) == v)
    return op->getOperand(1);
  if (op->getOperand(1) == v)
    return op->getOperand(0);
  return {};
}

Value kiln::fusion::peelScalarFactors(Value v, double &scale) {
  for (;;) {
    Operation *def = v.getDefiningOp();
    if (!def || !v.hasOneUse())
      return v;
    if (auto mul = dyn_cast<onnx::MulOp>(def)) {
      if (auto c = scalarConstant(mul.getB())) {
        scale *= *c, v = mul.getA();
        continue;
      }
      if (auto c = scalarConstant(mul.getA())) {
        scale *= *c, v = mul.getB();
        continue;
      }
    }
    if (auto div = dyn_cast<onnx::DivOp>(def))
      if (auto c = scalarConstant(div.getB()); c && *c != 0) {
        scale /= *c, v = div.getA();
        continue;
      }
    return v;
  }
}

bool kiln::fusion::isSoftCap(Operation *tanh) {
  if (!isa<onnx::TanhOp>(tanh) || !tanh->hasOneUse())
    return false;
  double inner = 1.0, outer = 1.0;
  (void)peelScalarFactors(tanh->getOperand(0), inner);
  auto mul = dyn_cast<onnx::MulOp>(*tanh->getUsers().begin());
  if (!mul)
    return false;
  std::optional<double> c = scalarConstant(mul.getA() == tanh->getResult(0) ? mul.getB()
                                                                            : mul.getA());
  outer = c.value_or(0.0);
  return outer > 0 && approxEqual(inner * outer, 1.0);
}

Value kiln::fusion::createI64Vector(OpBuilder &b, Location loc, ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({(int64_t)values.size()}, b.getI64Type());
  return onnx::ConstantOp::create(b, loc, type, DenseElementsAttr::get(type, values));
}

Value kiln::fusion::createDimLength(OpBuilder &b, Location loc, Value x, int64_t axis) {
  Type i64 = b.getI64Type();
  Value dim = createInferred<onnx::ShapeOp>(b, loc, i64, x, b.getI64IntegerAttr(axis + 1),
                                            b.getI64IntegerAttr(axis));
  return createInferred<onnx::SqueezeOp>(b, loc, i64, dim, Value());
}

Value kiln::fusion::createPositions(OpBuilder &b, Location loc, Value n) {
  auto scalar = RankedTensorType::get({}, b.getI64Type());
  auto constant = [&](int64_t v) -> Value {
    return onnx::ConstantOp::create(b, loc, scalar,
                                    DenseElementsAttr::get(scalar, b.getI64IntegerAttr(v)));
  };
  return createInferred<onnx::RangeOp>(b, loc, b.getI64Type(), constant(0), n, constant(1));
}

Value kiln::fusion::createLastAxisSlice(OpBuilder &b, Location loc, Value x, int64_t begin,
                                        int64_t end) {
  return createInferred<onnx::SliceOp>(b, loc, cast<ShapedType>(x.getType()).getElementType(), x,
                                       createI64Vector(b, loc, {begin}),
                                       createI64Vector(b, loc, {end}),
                                       createI64Vector(b, loc, {-1}), Value());
}

namespace {

/// Collects match-failure reasons by the location they were reported at.
struct MissListener : RewriterBase::Listener {
  llvm::DenseMap<Attribute, std::string> reasons;
  void notifyMatchFailure(Location loc,
                          function_ref<void(Diagnostic &)> reasonCallback) override {
    Diagnostic diag(loc, DiagnosticSeverity::Remark);
    reasonCallback(diag);
    std::string &text = reasons[LocationAttr(loc)];
    std::string reason = diag.str();
    if (text.find(reason) == std::string::npos)
      text += (text.empty() ? "" : "; ") + reason;
  }
};

} // namespace

LogicalResult
kiln::fusion::applyAndRecordMisses(Operation *root, const FrozenRewritePatternSet &patterns,
                                   function_ref<bool(Operation *)> isAnchor) {
  MissListener listener;
  GreedyRewriteConfig config;
  config.setListener(&listener);
  if (failed(applyPatternsGreedily(root, patterns, config)))
    return failure();
  root->walk([&](Operation *op) {
    if (!isAnchor(op))
      return;
    auto it = listener.reasons.find(LocationAttr(op->getLoc()));
    if (it != listener.reasons.end())
      op->setAttr(kFusionMissAttr, StringAttr::get(op->getContext(), it->second));
  });
  return success();
}

std::optional<std::vector<char>> kiln::fusion::constantBytes(Value v) {
  ElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  auto type = cast<ShapedType>(attr.getType());
  unsigned width = type.getElementTypeBitWidth();
  if (width % 8 != 0)
    return std::nullopt;
  size_t bytes = (size_t)type.getNumElements() * (width / 8);
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    ArrayRef<char> raw = dense.getRawData();
    if (!dense.isSplat())
      return std::vector<char>(raw.begin(), raw.end());
    std::vector<char> out;
    out.reserve(bytes);
    while (out.size() < bytes)
      out.insert(out.end(), raw.begin(), raw.begin() + width / 8);
    return out;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != bytes)
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    return std::vector<char>(data.begin(), data.end());
  }
  return std::nullopt;
}
