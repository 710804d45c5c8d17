//===- AttentionScores.cpp - what tfm.attention does to a score -----------===//

#include "passes/Conversion/TFMToLinalg/AttentionScores.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

using namespace mlir;

Value kiln::applyAttentionScoreTerms(OpBuilder &b, Location loc, const AttentionScoreTerms &terms,
                                     Value s, Value mask, Value query, Value key,
                                     Value causalOffset) {
  Type type = s.getType();
  auto constant = [&](double v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, v));
  };
  s = arith::MulFOp::create(b, loc, s, constant(terms.scale));
  if (terms.softcap > 0) {
    Value cap = constant(terms.softcap);
    s = arith::MulFOp::create(b, loc, cap,
                              math::TanhOp::create(b, loc, arith::DivFOp::create(b, loc, s, cap)));
  }
  Value negInf = constant(-std::numeric_limits<double>::infinity());
  if (mask) {
    if (mask.getType().isInteger(1)) {
      s = arith::SelectOp::create(b, loc, mask, s, negInf);
    } else {
      if (mask.getType() != type)
        mask = arith::ExtFOp::create(b, loc, type, mask);
      s = arith::AddFOp::create(b, loc, s, mask);
    }
    if (terms.maskedValue) {
      Value hidden = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, s, negInf);
      s = arith::SelectOp::create(b, loc, hidden, constant(*terms.maskedValue), s);
    }
  }
  if (terms.causal) {
    // Query i sees keys j <= i + (Skv - Sq); with a window, only those after limit - window.
    Value limit = arith::AddIOp::create(b, loc, query, causalOffset);
    Value hidden = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, key, limit);
    if (terms.window) {
      Value first = arith::SubIOp::create(b, loc, limit,
                                          arith::ConstantIndexOp::create(b, loc, *terms.window));
      hidden = arith::OrIOp::create(
          b, loc, hidden, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, key, first));
    }
    s = arith::SelectOp::create(b, loc, hidden, negInf, s);
  }
  return s;
}
