//===- HeadLayout.cpp - canonical forms of head split, merge and repeat ---===//
//
// Exporters move attention operands between layouts in more ways than the matcher should
// know about. These rewrites and look-throughs bring them to the two forms it does know (a
// 4-D Transpose; an operand with its own KV head count), proving every dim they rely on with
// the symbolic dims of dialects/ONNX/SymbolicDims.h rather than static shapes.
//
//===----------------------------------------------------------------------===//

#include "passes/Fusion/FusionUtils.h"

#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/SymbolicDims.h"

using namespace mlir;
using namespace kiln;
using onnx::DimValue;
using onnx::kDynamic;

namespace {

RankedTensorType rankedType(Value v) { return dyn_cast<RankedTensorType>(v.getType()); }

bool sameDim(Value a, int64_t da, Value b, int64_t db) {
  return onnx::dimsKnownEqual(DimValue{kDynamic, a, da}, DimValue{kDynamic, b, db});
}

/// Reshape(Transpose(Reshape(X))) where the first Reshape merges X's leading dims into one,
/// the Transpose keeps that merged dim in place and the second Reshape splits it again:
/// torch's dynamo export of `k.transpose(-2, -1)` on [B, H, S, D] goes through [B*H, S, D].
/// It is Transpose(X) with the leading dims fixed.
struct FoldLeadingDimsAroundTranspose : OpRewritePattern<onnx::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::ReshapeOp outer, PatternRewriter &rewriter) const override {
    auto transpose = outer.getData().getDefiningOp<onnx::TransposeOp>();
    auto inner = transpose ? transpose.getData().getDefiningOp<onnx::ReshapeOp>() : nullptr;
    if (!inner || !transpose.getPerm() || !transpose->hasOneUse())
      return failure();
    Value x = inner.getData(), y1 = inner.getReshaped(), y2 = outer.getReshaped();
    auto xType = rankedType(x), y1Type = rankedType(y1), y2Type = rankedType(y2);
    if (!xType || !y1Type || !y2Type)
      return failure();
    int64_t n = xType.getRank(), m = y1Type.getRank();
    ArrayRef<int64_t> perm = *transpose.getPerm();
    if (m < 2 || m >= n || y2Type.getRank() != n || (int64_t)perm.size() != m || perm[0] != 0)
      return failure();
    int64_t lead = n - m + 1; // X's dims [0, lead) are merged into Y1's dim 0
    for (int64_t i = 1; i < m; ++i)
      if (!sameDim(y1, i, x, lead - 1 + i) || !sameDim(y2, lead - 1 + i, y1, perm[i]))
        return failure();
    for (int64_t i = 0; i < lead; ++i)
      if (!sameDim(y2, i, x, i))
        return failure();
    SmallVector<int64_t> newPerm = llvm::to_vector(llvm::seq<int64_t>(0, lead));
    for (int64_t i = 1; i < m; ++i)
      newPerm.push_back(lead - 1 + perm[i]);
    rewriter.replaceOpWithNewOp<onnx::TransposeOp>(outer, y2Type, x,
                                                   rewriter.getDenseI64ArrayAttr(newPerm));
    return success();
  }
};

} // namespace

void kiln::fusion::populateHeadLayoutPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldLeadingDimsAroundTranspose>(patterns.getContext());
}

Value kiln::fusion::foldRepeatedHeads(Value kv, int64_t headDim) {
  // Reshape(Expand|Tile(Unsqueeze(src, headDim + 1)), [.., Hkv * n, ..]): each KV head
  // repeated n times in place, as repeat_kv and repeat_interleave spell it.
  auto reshape = kv.getDefiningOp<onnx::ReshapeOp>();
  Operation *repeat = reshape ? reshape.getData().getDefiningOp() : nullptr;
  if (!repeat || !isa<onnx::ExpandOp, onnx::TileOp>(repeat))
    return kv;
  auto unsqueeze = repeat->getOperand(0).getDefiningOp<onnx::UnsqueezeOp>();
  if (!unsqueeze)
    return kv;
  Value src = unsqueeze.getData(), u = unsqueeze.getExpanded(), e = repeat->getResult(0);
  auto srcType = rankedType(src), uType = rankedType(u), eType = rankedType(e),
       outType = rankedType(kv);
  std::optional<SmallVector<int64_t>> axes = onnx::getConstantInts(unsqueeze.getAxes());
  if (!srcType || !uType || !eType || !outType || srcType.getRank() != 4 ||
      eType.getRank() != 5 || outType.getRank() != 4 || !axes || axes->size() != 1 ||
      onnx::normalizeAxis((*axes)[0], 5) != headDim + 1)
    return kv;
  int64_t heads = srcType.getDimSize(headDim);
  int64_t copies = eType.getDimSize(headDim + 1);
  if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(copies) ||
      outType.getDimSize(headDim) != heads * copies)
    return kv;
  if (auto tile = dyn_cast<onnx::TileOp>(repeat)) {
    std::optional<SmallVector<int64_t>> repeats = onnx::getConstantInts(tile.getRepeats());
    if (!repeats || repeats->size() != 5)
      return kv;
    for (int64_t i = 0; i < 5; ++i)
      if ((*repeats)[i] != (i == headDim + 1 ? copies : 1))
        return kv;
  } else {
    // The Expand may only repeat the new axis: no other dim of its input may broadcast.
    for (int64_t i = 0; i < 5; ++i)
      if (i != headDim + 1 && uType.getDimSize(i) == 1 && eType.getDimSize(i) != 1)
        return kv;
  }
  for (int64_t i = 0; i < 4; ++i)
    if (i != headDim && !sameDim(kv, i, u, i < headDim ? i : i + 1))
      return kv;
  return src;
}
