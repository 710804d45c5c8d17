//===- AttentionGeometry.cpp - where a kiln.attention's elements are ------===//

#include "codegen/CUDA/AttentionGeometry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace kiln;

AttentionGeometry AttentionGeometry::of(OpBuilder &b, Location loc, kiln::AttentionOp op) {
  AttentionGeometry g;
  g.qPos = tfm::layoutPositions(op.getQueryLayout());
  g.kPos = tfm::layoutPositions(op.getKeyLayout());
  g.vPos = tfm::layoutPositions(op.getValueLayout());
  g.oPos = tfm::layoutPositions(op.getOutputLayout());
  g.batch = memref::DimOp::create(b, loc, op.getQuery(), g.qPos[0]);
  g.queries = memref::DimOp::create(b, loc, op.getQuery(), g.qPos[2]);
  g.keys = memref::DimOp::create(b, loc, op.getKey(), g.kPos[2]);
  g.heads = cast<MemRefType>(op.getQuery().getType()).getDimSize(g.qPos[1]);
  g.group = g.heads / cast<MemRefType>(op.getKey().getType()).getDimSize(g.kPos[1]);
  return g;
}

SmallVector<Value> AttentionGeometry::at(std::array<int64_t, 4> pos, std::array<Value, 4> bhsd) {
  SmallVector<Value> indices(4);
  for (int i = 0; i < 4; ++i)
    indices[pos[i]] = bhsd[i];
  return indices;
}

Value AttentionGeometry::kvHead(OpBuilder &b, Location loc, Value head) const {
  if (group == 1)
    return head;
  return arith::DivUIOp::create(b, loc, head, arith::ConstantIndexOp::create(b, loc, group));
}

std::pair<Value, Value> AttentionGeometry::keyRange(OpBuilder &b, Location loc,
                                                    const AttentionScoreTerms &terms, Value rowBase,
                                                    int64_t rows, Value offset,
                                                    Value active) const {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  auto add = [&](Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); };
  Value zero = index(0);
  Value begin = zero, end = keys;
  if (terms.causal) {
    Value last = arith::MinSIOp::create(b, loc, add(rowBase, index(rows - 1)),
                                        arith::SubIOp::create(b, loc, queries, index(1)));
    Value limit = add(add(last, offset), index(1));
    end = arith::MinSIOp::create(b, loc, keys, arith::MaxSIOp::create(b, loc, limit, zero));
    if (terms.window)
      begin =
          arith::MaxSIOp::create(b, loc, add(add(rowBase, offset), index(1 - *terms.window)), zero);
  }
  return {arith::SelectOp::create(b, loc, active, begin, zero),
          arith::SelectOp::create(b, loc, active, end, zero)};
}

SmallVector<Value> AttentionGeometry::maskIndices(OpBuilder &b, Location loc, Value mask,
                                                  std::array<Value, 4> bhqk) {
  auto type = cast<MemRefType>(mask.getType());
  SmallVector<Value> indices;
  for (int64_t m = 0, lead = 4 - type.getRank(); m < type.getRank(); ++m)
    indices.push_back(type.getDimSize(m) == 1 ? arith::ConstantIndexOp::create(b, loc, 0)
                                              : bhqk[m + lead]);
  return indices;
}
