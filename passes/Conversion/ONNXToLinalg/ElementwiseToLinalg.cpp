//===- ElementwiseToLinalg.cpp - onnx elementwise ops -> linalg.generic ---===//
//
// Every elementwise onnx op becomes one linalg.generic over the broadcast result shape, so
// later passes fuse chains of them. Broadcasting follows numpy: operands are right-aligned and
// a dim that is statically 1 repeats. A dynamic dim is taken to equal the result's (Kiln does
// not broadcast a dim that is only known to be 1 at run time; see docs/lowering.md).
//
// f16 and bf16 values are computed in f32 and rounded once, per the precision rules.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "passes/Conversion/LoweringDiagnostics.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/ONNXTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx;

FailureOr<SmallVector<OpFoldResult>>
kiln::getBroadcastResultSizes(OpBuilder &b, Location loc, RankedTensorType resultType,
                              ValueRange operands) {
  SmallVector<OpFoldResult> sizes;
  int64_t rank = resultType.getRank();
  for (int64_t i = 0; i < rank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      sizes.push_back(b.getIndexAttr(resultType.getDimSize(i)));
      continue;
    }
    Value source;
    int64_t sourceDim = 0;
    for (Value v : operands) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      int64_t j = i - (rank - t.getRank());
      if (j >= 0 && t.getDimSize(j) != 1) {
        source = v;
        sourceDim = j;
        break;
      }
    }
    if (!source)
      return failure();
    sizes.push_back(tensor::DimOp::create(b, loc, source, sourceDim).getResult());
  }
  return sizes;
}

AffineMap kiln::getBroadcastMap(MLIRContext *ctx, RankedTensorType operand,
                                RankedTensorType result) {
  SmallVector<AffineExpr> exprs;
  int64_t offset = result.getRank() - operand.getRank();
  for (int64_t j = 0; j < operand.getRank(); ++j) {
    bool broadcast = operand.getDimSize(j) == 1 && result.getDimSize(j + offset) != 1;
    exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(j + offset, ctx));
  }
  return AffineMap::get(result.getRank(), 0, exprs, ctx);
}

FailureOr<Value> kiln::buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                                        ValueRange operands, const ScalarBuilder &body) {
  for (Value v : operands)
    if (cast<RankedTensorType>(v.getType()).getRank() > resultType.getRank())
      return failure();
  FailureOr<SmallVector<OpFoldResult>> sizes =
      getBroadcastResultSizes(b, loc, resultType, operands);
  if (failed(sizes))
    return failure();
  Value init = tensor::EmptyOp::create(b, loc, *sizes, resultType.getElementType());
  SmallVector<AffineMap> maps;
  for (Value v : operands)
    maps.push_back(getBroadcastMap(b.getContext(), cast<RankedTensorType>(v.getType()),
                                   resultType));
  maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  SmallVector<utils::IteratorType> iterators(resultType.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, operands, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

namespace {

bool isLowPrecisionFloat(Type t) { return isa<Float16Type, BFloat16Type>(t); }

/// Runs `fn` on f32 copies of f16/bf16 arguments and rounds the result back to `resultType`.
Value computeInF32(OpBuilder &b, Location loc, ValueRange args, Type resultType,
                   function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
  bool widen = llvm::any_of(args, [](Value v) { return isLowPrecisionFloat(v.getType()); });
  if (!widen)
    return fn(b, loc, args);
  SmallVector<Value> wide;
  for (Value v : args)
    wide.push_back(isLowPrecisionFloat(v.getType())
                       ? Value(arith::ExtFOp::create(b, loc, b.getF32Type(), v))
                       : v);
  Value r = fn(b, loc, wide);
  if (isLowPrecisionFloat(resultType))
    return arith::TruncFOp::create(b, loc, resultType, r);
  return r;
}

/// The scalar computation of one onnx elementwise op, or null when the element type is not
/// supported for it.
using ScalarFn = std::function<Value(OpBuilder &, Location, ValueRange, Type resultElement)>;

/// A binary arith op; with more operands (Max, Min, Sum) applied left to right, and with one
/// operand the identity.
template <typename FloatOp, typename IntOp>
ScalarFn arithBinary() {
  return [](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
    Value r = a[0];
    for (Value v : a.drop_front())
      r = isa<FloatType>(r.getType()) ? Value(FloatOp::create(b, loc, r, v))
                                      : Value(IntOp::create(b, loc, r, v));
    return r;
  };
}

/// Signed integer division or remainder that cannot trap: x86 faults on a zero divisor and on
/// INT_MIN / -1, so a divisor of 0 or -1 is replaced by 1 and the -1 case computed as
/// negation (quotient) or 0 (remainder). ONNX leaves division by zero undefined; Kiln yields 0.
Value safeSignedDivision(OpBuilder &b, Location loc, Value a, Value d, bool remainder) {
  using I = arith::CmpIPredicate;
  Type t = a.getType();
  auto c = [&](int64_t v) { return arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, v)); };
  Value zero = c(0), minusOne = c(-1);
  Value isZero = arith::CmpIOp::create(b, loc, I::eq, d, zero);
  Value isMinusOne = arith::CmpIOp::create(b, loc, I::eq, d, minusOne);
  Value safe = arith::SelectOp::create(b, loc, arith::OrIOp::create(b, loc, isZero, isMinusOne),
                                       c(1), d);
  if (remainder)
    return arith::SelectOp::create(b, loc, isZero, zero, arith::RemSIOp::create(b, loc, a, safe));
  Value q = arith::SelectOp::create(b, loc, isMinusOne, arith::SubIOp::create(b, loc, zero, a),
                                    arith::DivSIOp::create(b, loc, a, safe));
  return arith::SelectOp::create(b, loc, isZero, zero, q);
}

/// Mod: truncated (`fmod` = 1: C's fmod, the only form ONNX allows for floats) or floored
/// (integers, the result takes the divisor's sign like Python's %).
ScalarFn modulo(bool truncated) {
  return [truncated](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
    if (isa<FloatType>(a[0].getType()))
      return truncated ? Value(arith::RemFOp::create(b, loc, a[0], a[1])) : Value();
    Value r = safeSignedDivision(b, loc, a[0], a[1], /*remainder=*/true);
    if (truncated)
      return r;
    using I = arith::CmpIPredicate;
    Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(r.getType(), 0));
    Value signsDiffer =
        arith::XOrIOp::create(b, loc, arith::CmpIOp::create(b, loc, I::slt, r, zero),
                              arith::CmpIOp::create(b, loc, I::slt, a[1], zero));
    Value adjust = arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, I::ne, r, zero), signsDiffer);
    return arith::SelectOp::create(b, loc, adjust, arith::AddIOp::create(b, loc, r, a[1]), r);
  };
}

ScalarFn compare(arith::CmpFPredicate f, arith::CmpIPredicate i) {
  return [=](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
    if (isa<FloatType>(a[0].getType()))
      return arith::CmpFOp::create(b, loc, f, a[0], a[1]);
    return arith::CmpIOp::create(b, loc, i, a[0], a[1]);
  };
}

template <typename MathOp>
ScalarFn mathUnary() {
  return [](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
    if (!isa<FloatType>(a[0].getType()))
      return nullptr;
    return MathOp::create(b, loc, a[0]);
  };
}

Value floatConstant(OpBuilder &b, Location loc, Type t, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v));
}

Value castScalar(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  auto fromFloat = dyn_cast<FloatType>(from), toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat && fromFloat.getWidth() == toFloat.getWidth()) // bf16 <-> f16
    return arith::TruncFOp::create(b, loc, to, arith::ExtFOp::create(b, loc, b.getF32Type(), v));
  if (fromFloat && toFloat)
    return fromFloat.getWidth() < toFloat.getWidth()
               ? Value(arith::ExtFOp::create(b, loc, to, v))
               : Value(arith::TruncFOp::create(b, loc, to, v));
  if (fromFloat) {
    if (to.isInteger(1))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v,
                                   floatConstant(b, loc, from, 0));
    return arith::FPToSIOp::create(b, loc, to, v);
  }
  if (toFloat)
    return from.isInteger(1) ? Value(arith::UIToFPOp::create(b, loc, to, v))
                             : Value(arith::SIToFPOp::create(b, loc, to, v));
  if (to.isInteger(1))
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v,
                                 arith::ConstantOp::create(b, loc, b.getIntegerAttr(from, 0)));
  unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
  if (fw < tw)
    return from.isInteger(1) ? Value(arith::ExtUIOp::create(b, loc, to, v))
                             : Value(arith::ExtSIOp::create(b, loc, to, v));
  return arith::TruncIOp::create(b, loc, to, v);
}

const llvm::StringMap<ScalarFn> &scalarFunctions() {
  using P = arith::CmpFPredicate;
  using I = arith::CmpIPredicate;
  static const llvm::StringMap<ScalarFn> fns = {
      {"onnx.Add", arithBinary<arith::AddFOp, arith::AddIOp>()},
      {"onnx.Sub", arithBinary<arith::SubFOp, arith::SubIOp>()},
      {"onnx.Mul", arithBinary<arith::MulFOp, arith::MulIOp>()},
      {"onnx.Div",
       [](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
         if (isa<FloatType>(a[0].getType()))
           return arith::DivFOp::create(b, loc, a[0], a[1]);
         return safeSignedDivision(b, loc, a[0], a[1], /*remainder=*/false);
       }},
      {"onnx.Mod", modulo(/*truncated=*/false)},
      {"onnx.Mod(fmod)", modulo(/*truncated=*/true)},
      {"onnx.Max", arithBinary<arith::MaximumFOp, arith::MaxSIOp>()},
      {"onnx.Min", arithBinary<arith::MinimumFOp, arith::MinSIOp>()},
      {"onnx.Sum", arithBinary<arith::AddFOp, arith::AddIOp>()},
      {"onnx.Equal", compare(P::OEQ, I::eq)},
      {"onnx.Less", compare(P::OLT, I::slt)},
      {"onnx.LessOrEqual", compare(P::OLE, I::sle)},
      {"onnx.Greater", compare(P::OGT, I::sgt)},
      {"onnx.GreaterOrEqual", compare(P::OGE, I::sge)},
      {"onnx.And", arithBinary<arith::AndIOp, arith::AndIOp>()},
      {"onnx.Or", arithBinary<arith::OrIOp, arith::OrIOp>()},
      {"onnx.Pow",
       [](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
         if (!isa<FloatType>(a[0].getType()))
           return nullptr;
         // ONNX allows an exponent of another type (an integer, or a different float).
         return math::PowFOp::create(b, loc, a[0], castScalar(b, loc, a[1], a[0].getType()));
       }},
      {"onnx.IsNaN",
       [](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
         return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, a[0], a[0]);
       }},
      {"onnx.Ceil", mathUnary<math::CeilOp>()},
      {"onnx.Floor", mathUnary<math::FloorOp>()},
      {"onnx.Cos", mathUnary<math::CosOp>()},
      {"onnx.Sin", mathUnary<math::SinOp>()},
      {"onnx.Erf", mathUnary<math::ErfOp>()},
      {"onnx.Exp", mathUnary<math::ExpOp>()},
      {"onnx.Log", mathUnary<math::LogOp>()},
      {"onnx.Sqrt", mathUnary<math::SqrtOp>()},
      {"onnx.Tanh", mathUnary<math::TanhOp>()},
      {"onnx.Abs",
       [](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
         if (isa<FloatType>(a[0].getType()))
           return math::AbsFOp::create(b, loc, a[0]);
         return math::AbsIOp::create(b, loc, a[0]);
       }},
      {"onnx.Neg",
       [](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
         if (isa<FloatType>(a[0].getType()))
           return arith::NegFOp::create(b, loc, a[0]);
         Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(a[0].getType(), 0));
         return arith::SubIOp::create(b, loc, zero, a[0]);
       }},
      {"onnx.Sign",
       [](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
         // (x > 0) - (x < 0): 0 for zero (and NaN stays NaN for floats through the select).
         Type t = a[0].getType();
         if (auto f = dyn_cast<FloatType>(t)) {
           Value zero = floatConstant(b, loc, t, 0), one = floatConstant(b, loc, t, 1);
           Value minusOne = floatConstant(b, loc, t, -1);
           Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero);
           Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, a[0], zero);
           Value r = arith::SelectOp::create(b, loc, pos, one,
                                             arith::SelectOp::create(b, loc, neg, minusOne, zero));
           Value isNaN = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, a[0], a[0]);
           return arith::SelectOp::create(b, loc, isNaN, a[0], r);
         }
         Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, 0));
         Value pos = arith::ExtUIOp::create(
             b, loc, t, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, a[0], zero));
         Value neg = arith::ExtUIOp::create(
             b, loc, t, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, a[0], zero));
         return arith::SubIOp::create(b, loc, pos, neg);
       }},
      {"onnx.Not",
       [](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
         Value one = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
         return arith::XOrIOp::create(b, loc, a[0], one);
       }},
      {"onnx.Reciprocal",
       [](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
         if (!isa<FloatType>(a[0].getType()))
           return nullptr;
         return arith::DivFOp::create(b, loc, floatConstant(b, loc, a[0].getType(), 1), a[0]);
       }},
      {"onnx.Relu",
       [](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
         if (!isa<FloatType>(a[0].getType()))
           return nullptr;
         return arith::MaximumFOp::create(b, loc, a[0], floatConstant(b, loc, a[0].getType(), 0));
       }},
      {"onnx.Sigmoid",
       [](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
         if (!isa<FloatType>(a[0].getType()))
           return nullptr;
         Type t = a[0].getType();
         Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, a[0]));
         Value d = arith::AddFOp::create(b, loc, floatConstant(b, loc, t, 1), e);
         return arith::DivFOp::create(b, loc, floatConstant(b, loc, t, 1), d);
       }},
      {"onnx.Where",
       [](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
         return arith::SelectOp::create(b, loc, a[0], a[1], a[2]);
       }},
      {"onnx.Cast",
       [](OpBuilder &b, Location loc, ValueRange a, Type to) -> Value {
         return castScalar(b, loc, a[0], to);
       }},
      {"onnx.CastLike",
       [](OpBuilder &b, Location loc, ValueRange a, Type to) -> Value {
         return castScalar(b, loc, a[0], to);
       }},
  };
  return fns;
}

/// Ops computed exactly in their own type (conversions, selection, comparisons and bit logic
/// gain nothing from f32).
bool isExactOp(StringRef name) {
  return name == "onnx.Cast" || name == "onnx.CastLike" || name == "onnx.Where" ||
         name == "onnx.Not" || name == "onnx.And" || name == "onnx.Or" || name == "onnx.IsNaN";
}

/// The scalarFunctions() entry of `op`: its name, and for Mod with fmod = 1 "onnx.Mod(fmod)".
/// The scalar computations that differ for unsigned integers (read as unsigned bits in
/// signless types): division and remainder, max and min, order comparisons.
const llvm::StringMap<ScalarFn> &unsignedScalarFunctions() {
  using I = arith::CmpIPredicate;
  auto unsignedCompare = [](I predicate) -> ScalarFn {
    return [=](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
      return arith::CmpIOp::create(b, loc, predicate, a[0], a[1]);
    };
  };
  // x / 0 is undefined in ONNX; Kiln yields 0 (unsigned division cannot overflow otherwise).
  auto safeDivision = [](bool remainder) -> ScalarFn {
    return [=](OpBuilder &b, Location loc, ValueRange a, Type) -> Value {
      Type t = a[0].getType();
      Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, 0));
      Value one = arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, 1));
      Value isZero = arith::CmpIOp::create(b, loc, I::eq, a[1], zero);
      Value d = arith::SelectOp::create(b, loc, isZero, one, a[1]);
      Value r = remainder ? Value(arith::RemUIOp::create(b, loc, a[0], d))
                          : Value(arith::DivUIOp::create(b, loc, a[0], d));
      return arith::SelectOp::create(b, loc, isZero, zero, r);
    };
  };
  static const llvm::StringMap<ScalarFn> fns = {
      {"onnx.Div", safeDivision(false)},
      {"onnx.Mod", safeDivision(true)},
      {"onnx.Mod(fmod)", safeDivision(true)},
      {"onnx.Max", arithBinary<arith::MaximumFOp, arith::MaxUIOp>()},
      {"onnx.Min", arithBinary<arith::MinimumFOp, arith::MinUIOp>()},
      {"onnx.Less", unsignedCompare(I::ult)},
      {"onnx.LessOrEqual", unsignedCompare(I::ule)},
      {"onnx.Greater", unsignedCompare(I::ugt)},
      {"onnx.GreaterOrEqual", unsignedCompare(I::uge)},
  };
  return fns;
}

/// Ops whose scalar computation is the same on unsigned bits as on signed ones (wrapping
/// arithmetic, equality, bitwise logic, selection).
bool signednessAgnostic(StringRef name) {
  return llvm::is_contained({"onnx.Add", "onnx.Sub", "onnx.Mul", "onnx.Sum", "onnx.Equal",
                             "onnx.And", "onnx.Or", "onnx.Not", "onnx.Where", "onnx.Identity",
                             "onnx.Dropout"},
                            name);
}

std::string functionKey(Operation *op) {
  if (auto mod = dyn_cast<ModOp>(op); mod && mod.getFmod() != 0)
    return "onnx.Mod(fmod)";
  return op->getName().getStringRef().str();
}

struct ElementwiseToLinalg : ConversionPattern {
  ElementwiseToLinalg(MLIRContext *ctx)
      : ConversionPattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    auto it = scalarFunctions().find(functionKey(op));
    if (it == scalarFunctions().end())
      return rewriter.notifyMatchFailure(op, "not an elementwise onnx op");
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType)
      return kiln::rejectLowering(rewriter, op, "result rank unknown");
    SmallVector<Value> inputs(operands);
    if (op->getName().getStringRef() == "onnx.CastLike")
      inputs.resize(1); // The second operand only names the target type.
    for (Value v : inputs)
      if (!isa<RankedTensorType>(v.getType()))
        return kiln::rejectLowering(rewriter, op, "operand rank unknown");
    Type resultElement = resultType.getElementType();
    auto isUnsigned = [](Value v) {
      return cast<ShapedType>(v.getType()).getElementType().isUnsignedInteger();
    };
    // Unsigned integers compute on their bits in signless types (arith has no unsigned
    // types), with the unsigned forms of the ops where signedness matters.
    bool unsignedOperands = llvm::any_of(inputs, isUnsigned);
    const ScalarFn *fn = &it->second;
    if (unsignedOperands || resultElement.isUnsignedInteger()) {
      auto special = unsignedScalarFunctions().find(functionKey(op));
      bool sameKind = llvm::all_of(inputs, [&](Value v) { return isUnsigned(v) || cast<ShapedType>(v.getType()).getElementType().isInteger(1); }) &&
                      (resultElement.isUnsignedInteger() || resultElement.isInteger(1));
      if (special != unsignedScalarFunctions().end() && sameKind)
        fn = &special->second;
      else if (!signednessAgnostic(op->getName().getStringRef()) || !sameKind)
        return kiln::rejectLowering(rewriter, op, "unsigned integers are supported in "
                                                  "arithmetic, comparisons and logic on "
                                                  "unsigned operands only (not in this op)");
    }
    bool exact = isExactOp(op->getName().getStringRef()) ||
                 op->getNumResults() != 1 || isa<IntegerType>(resultElement);
    bool unsupported = false;
    FailureOr<Value> result = buildElementwise(
        rewriter, op->getLoc(), resultType, inputs,
        [&](OpBuilder &b, Location loc, ValueRange rawArgs) -> Value {
          SmallVector<Value> args;
          for (Value a : rawArgs)
            args.push_back(castIntegerBits(b, loc, a, signlessOf(b, a.getType())));
          Type element = signlessOf(b, resultElement);
          Value r = exact ? (*fn)(b, loc, args, element)
                          : computeInF32(b, loc, args, element,
                                         [&](OpBuilder &b2, Location l2, ValueRange a2) {
                                           return (*fn)(b2, l2, a2, element);
                                         });
          if (r)
            r = castIntegerBits(b, loc, r, resultElement);
          if (!r) {
            unsupported = true;
            return args[0];
          }
          return r;
        });
    if (failed(result))
      return kiln::rejectLowering(rewriter, op, "a dynamic result dim has no source operand");
    if (unsupported) // The conversion driver rolls back what was built.
      return kiln::rejectLowering(rewriter, op, "element type not supported for this op");
    rewriter.replaceOp(op, *result);
    return success();
  }
};

/// Clip: min and max are optional scalar operands, so which one is present comes from the
/// op, not from the operand list.
struct ClipToLinalg : OpConversionPattern<ClipOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ClipOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!result || !isa<RankedTensorType>(adaptor.getInput().getType()) ||
        result.getElementType().isUnsignedInteger())
      return kiln::rejectLowering(rewriter, op, "rank unknown or unsigned");
    SmallVector<Value> operands = {adaptor.getInput()};
    bool hasMin = (bool)adaptor.getMin(), hasMax = (bool)adaptor.getMax();
    if (hasMin)
      operands.push_back(adaptor.getMin());
    if (hasMax)
      operands.push_back(adaptor.getMax());
    for (Value v : operands)
      if (!isa<RankedTensorType>(v.getType()))
        return kiln::rejectLowering(rewriter, op, "operand rank unknown");
    bool isFloat = isa<FloatType>(result.getElementType());
    FailureOr<Value> out = buildElementwise(
        rewriter, op.getLoc(), result, operands,
        [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
          Value x = a[0];
          unsigned next = 1;
          if (hasMin)
            x = isFloat ? Value(arith::MaximumFOp::create(b, loc, x, a[next]))
                        : Value(arith::MaxSIOp::create(b, loc, x, a[next]));
          if (hasMin)
            ++next;
          if (hasMax)
            x = isFloat ? Value(arith::MinimumFOp::create(b, loc, x, a[next]))
                        : Value(arith::MinSIOp::create(b, loc, x, a[next]));
          return x;
        });
    if (failed(out))
      return kiln::rejectLowering(rewriter, op, "a dynamic result dim has no source operand");
    rewriter.replaceOp(op, *out);
    return success();
  }
};

/// GELU, exact (erf) or tanh-approximated, computed in f32 for f16/bf16.
struct GeluToLinalg : OpConversionPattern<GeluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GeluOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!result || !isa<FloatType>(result.getElementType()))
      return kiln::rejectLowering(rewriter, op, "rank unknown or not a float tensor");
    bool tanhForm = op.getApproximate() == "tanh";
    Type element = result.getElementType();
    FailureOr<Value> out = buildElementwise(
        rewriter, op.getLoc(), result, ValueRange{adaptor.getX()},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return computeInF32(b, loc, args, element, [&](OpBuilder &nb, Location l, ValueRange a) {
            Type t = a[0].getType();
            Value x = a[0], half = floatConstant(nb, l, t, 0.5), one = floatConstant(nb, l, t, 1);
            Value inner;
            if (tanhForm) {
              // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
              Value x3 = arith::MulFOp::create(nb, l, x, arith::MulFOp::create(nb, l, x, x));
              Value poly = arith::AddFOp::create(
                  nb, l, x, arith::MulFOp::create(nb, l, floatConstant(nb, l, t, 0.044715), x3));
              inner = math::TanhOp::create(
                  nb, l, arith::MulFOp::create(nb, l, floatConstant(nb, l, t, 0.7978845608028654),
                                               poly));
            } else {
              inner = math::ErfOp::create(
                  nb, l, arith::MulFOp::create(nb, l, x, floatConstant(nb, l, t, 0.7071067811865476)));
            }
            Value r = arith::MulFOp::create(nb, l, half, x);
            return Value(arith::MulFOp::create(nb, l, r, arith::AddFOp::create(nb, l, one, inner)));
          });
        });
    rewriter.replaceOp(op, *out);
    return success();
  }
};

/// Dropout at inference: the output is the input and the mask is all true.
struct DropoutToLinalg : OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto maskType = dyn_cast<RankedTensorType>(op.getMask().getType());
    if (op.getTrainingMode() || !maskType || adaptor.getData().getType() != op.getOutput().getType())
      return kiln::rejectLowering(rewriter, op, "training mode or rank unknown");
    FailureOr<Value> mask = buildElementwise(
        rewriter, op.getLoc(), maskType, ValueRange{adaptor.getData()},
        [](OpBuilder &b, Location loc, ValueRange) -> Value {
          return arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
        });
    if (failed(mask))
      return kiln::rejectLowering(rewriter, op, "a dynamic result dim has no source operand");
    rewriter.replaceOp(op, {adaptor.getData(), *mask});
    return success();
  }
};

} // namespace

void kiln::populateElementwiseToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ElementwiseToLinalg, ClipToLinalg, GeluToLinalg, DropoutToLinalg>(
      patterns.getContext());
}
