//===- SymbolicDims.cpp - which dynamic dims are the same size ------------===//

#include "dialects/ONNX/SymbolicDims.h"

#include "dialects/ONNX/ONNXDialect.h"

#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace kiln::onnx;

namespace {

/// Ops whose result has operand 0's shape.
bool keepsOperandShape(Operation *op) {
  static const llvm::StringSet<> names = {
      "onnx.Abs",       "onnx.Cast",        "onnx.CastLike",   "onnx.Ceil",
      "onnx.Clip",      "onnx.Cos",         "onnx.CumSum",     "onnx.Dropout",    "onnx.Elu",
      "onnx.Erf",       "onnx.Exp",         "onnx.Floor",      "onnx.Gelu",
      "onnx.HardSigmoid", "onnx.Identity",  "onnx.IsInf",      "onnx.IsNaN",
      "onnx.LayerNormalization", "onnx.LeakyRelu", "onnx.Log", "onnx.LogSoftmax",
      "onnx.Neg",       "onnx.Not",         "onnx.RMSNormalization", "onnx.Reciprocal",
      "onnx.Relu",      "onnx.RotaryEmbedding", "onnx.com.microsoft.RotaryEmbedding",
      "onnx.Round",       "onnx.Sigmoid",    "onnx.Sign",
      "onnx.Sin",       "onnx.Softmax",     "onnx.Softplus",   "onnx.Sqrt",
      "onnx.Tanh",      "onnx.Trilu",       "tfm.gelu",        "tfm.layer_norm",
      "tfm.rms_norm",   "tfm.rotary_embedding"};
  return names.contains(op->getName().getStringRef());
}

/// Ops that broadcast all their operands numpy-style.
bool broadcastsOperands(Operation *op) {
  static const llvm::StringSet<> names = {
      "onnx.Add",  "onnx.And",  "onnx.Div",  "onnx.Equal", "onnx.Greater",
      "onnx.GreaterOrEqual",    "onnx.Less", "onnx.LessOrEqual", "onnx.Max",
      "onnx.Mean", "onnx.Min",  "onnx.Mod",  "onnx.Mul",   "onnx.Or",
      "onnx.Pow",  "onnx.Sub",  "onnx.Sum",  "onnx.Where", "onnx.Xor"};
  return names.contains(op->getName().getStringRef());
}

int64_t rankOf(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t ? t.getRank() : -1;
}

bool isDynamicDim(Value v, int64_t d) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && d >= 0 && d < t.getRank() && t.isDynamicDim(d);
}

/// Dim `d` of operand `v` of a broadcasting op with result rank `rank`, when it is dynamic.
std::optional<DimValue> broadcastSource(Value v, int64_t d, int64_t rank) {
  int64_t j = d - (rank - rankOf(v));
  if (rankOf(v) < 0 || j < 0 || !isDynamicDim(v, j))
    return std::nullopt;
  return DimValue{kDynamic, v, j};
}

/// Entry `d` of a shape value, right-aligned to `rank` when the value is shorter.
std::optional<DimValue> shapeEntry(Value shape, int64_t d, int64_t rank) {
  std::optional<SymbolicShape> entries = getSymbolicShapeValue(shape);
  if (!entries)
    return std::nullopt;
  int64_t j = d - (rank - (int64_t)entries->size());
  if (j < 0)
    return std::nullopt;
  return (*entries)[j];
}

/// One step back from dynamic dim `d` of `v`, or nullopt when `v` is where the size is made.
std::optional<DimValue> stepBack(Value v, int64_t d) {
  Operation *op = v.getDefiningOp();
  if (!op || op->getNumResults() == 0)
    return std::nullopt;
  int64_t rank = rankOf(v);
  if (keepsOperandShape(op) && op->getNumOperands() > 0 && rankOf(op->getOperand(0)) == rank)
    return DimValue{kDynamic, op->getOperand(0), d};
  if (broadcastsOperands(op)) {
    for (Value operand : op->getOperands())
      if (auto source = broadcastSource(operand, d, rank))
        return source;
    return std::nullopt;
  }
  if (auto t = dyn_cast<TransposeOp>(op)) {
    if (std::optional<ArrayRef<int64_t>> perm = t.getPerm())
      return d < (int64_t)perm->size() ? std::optional(DimValue{kDynamic, t.getData(), (*perm)[d]})
                                       : std::nullopt;
    return DimValue{kDynamic, t.getData(), rank - 1 - d};
  }
  if (auto mm = dyn_cast<MatMulOp>(op)) {
    int64_t ra = rankOf(mm.getA()), rb = rankOf(mm.getB());
    if (ra < 2 || rb < 2)
      return std::nullopt;
    if (d == rank - 1)
      return DimValue{kDynamic, mm.getB(), rb - 1};
    if (d == rank - 2)
      return DimValue{kDynamic, mm.getA(), ra - 2};
    for (auto [operand, r] : {std::pair(mm.getA(), ra), std::pair(mm.getB(), rb)})
      if (auto source = broadcastSource(operand, d, rank); source && source->index < r - 2)
        return source;
    return std::nullopt;
  }
  if (auto unsqueeze = dyn_cast<UnsqueezeOp>(op)) {
    std::optional<SmallVector<int64_t>> axes = getConstantInts(unsqueeze.getAxes());
    if (!axes)
      return std::nullopt;
    int64_t inputDim = d;
    for (int64_t a : *axes) {
      std::optional<int64_t> axis = normalizeAxis(a, rank);
      if (!axis || *axis == d)
        return std::nullopt;
      inputDim -= *axis < d;
    }
    return DimValue{kDynamic, unsqueeze.getData(), inputDim};
  }
  if (auto squeeze = dyn_cast<SqueezeOp>(op)) {
    int64_t inputRank = rankOf(squeeze.getData());
    if (inputRank < 0)
      return std::nullopt;
    SmallVector<bool> squeezed(inputRank, false);
    if (squeeze.getAxes()) {
      std::optional<SmallVector<int64_t>> axes = getConstantInts(squeeze.getAxes());
      if (!axes)
        return std::nullopt;
      for (int64_t a : *axes) {
        std::optional<int64_t> axis = normalizeAxis(a, inputRank);
        if (!axis)
          return std::nullopt;
        squeezed[*axis] = true;
      }
    } else {
      auto shape = cast<RankedTensorType>(squeeze.getData().getType()).getShape();
      for (int64_t i = 0; i < inputRank; ++i)
        squeezed[i] = shape[i] == 1;
    }
    for (int64_t i = 0, kept = 0; i < inputRank; ++i)
      if (!squeezed[i] && kept++ == d)
        return DimValue{kDynamic, squeeze.getData(), i};
    return std::nullopt;
  }
  if (auto concat = dyn_cast<ConcatOp>(op)) {
    std::optional<int64_t> axis = normalizeAxis(concat.getAxis(), rank);
    if (!axis || *axis == d)
      return std::nullopt;
    for (Value input : concat.getInputs())
      if (isDynamicDim(input, d))
        return DimValue{kDynamic, input, d};
    return std::nullopt;
  }
  if (auto split = dyn_cast<SplitOp>(op)) {
    std::optional<int64_t> axis = normalizeAxis(split.getAxis(), rank);
    return axis && *axis != d ? std::optional(DimValue{kDynamic, split.getInput(), d})
                              : std::nullopt;
  }
  if (auto slice = dyn_cast<SliceOp>(op)) {
    std::optional<SmallVector<int64_t>> axes;
    if (slice.getAxes()) {
      axes = getConstantInts(slice.getAxes());
    } else if (auto starts = getConstantInts(slice.getStarts())) {
      axes = llvm::to_vector(llvm::seq<int64_t>(0, (int64_t)starts->size()));
    }
    if (!axes)
      return std::nullopt;
    for (int64_t a : *axes)
      if (normalizeAxis(a, rank) == d)
        return std::nullopt;
    return DimValue{kDynamic, slice.getData(), d};
  }
  if (auto gather = dyn_cast<GatherOp>(op)) {
    std::optional<int64_t> axis = normalizeAxis(gather.getAxis(), rankOf(gather.getData()));
    int64_t ri = rankOf(gather.getIndices());
    if (!axis || ri < 0)
      return std::nullopt;
    if (d < *axis)
      return DimValue{kDynamic, gather.getData(), d};
    if (d < *axis + ri)
      return DimValue{kDynamic, gather.getIndices(), d - *axis};
    return DimValue{kDynamic, gather.getData(), d - ri + 1};
  }
  if (auto gather = dyn_cast<GatherElementsOp>(op)) // the result has the indices' shape
    return DimValue{kDynamic, gather.getIndices(), d};
  if (auto gather = dyn_cast<GatherNDOp>(op)) {
    // [indices dims but the last] + [data dims after the batch dims and the tuple].
    int64_t ri = rankOf(gather.getIndices());
    auto indices = dyn_cast<RankedTensorType>(gather.getIndices().getType());
    if (ri < 1 || indices.isDynamicDim(ri - 1))
      return std::nullopt;
    if (d < ri - 1)
      return DimValue{kDynamic, gather.getIndices(), d};
    return DimValue{kDynamic, gather.getData(),
                    (int64_t)gather.getBatchDims() + indices.getDimSize(ri - 1) + d - (ri - 1)};
  }
  if (auto reshape = dyn_cast<ReshapeOp>(op)) {
    std::optional<DimValue> e = shapeEntry(reshape.getShape(), d, rank);
    if (e && e->isStatic() && e->value == 0 && reshape.getAllowzero() == 0)
      return DimValue{kDynamic, reshape.getData(), d};
    return e && e->isSymbol() ? e : std::nullopt;
  }
  if (auto expand = dyn_cast<ExpandOp>(op)) {
    if (auto source = broadcastSource(expand.getInput(), d, rank))
      return source;
    std::optional<DimValue> e = shapeEntry(expand.getShape(), d, rank);
    return e && e->isSymbol() ? e : std::nullopt;
  }
  if (auto fill = dyn_cast<ConstantOfShapeOp>(op)) {
    std::optional<DimValue> e = shapeEntry(fill.getInput(), d, rank);
    return e && e->isSymbol() ? e : std::nullopt;
  }
  if (auto range = dyn_cast<RangeOp>(op)) {
    // arange(0, n, 1) has n elements.
    std::optional<SymbolicShape> start = getSymbolicShapeValue(range.getStart());
    std::optional<SymbolicShape> delta = getSymbolicShapeValue(range.getDelta());
    std::optional<SymbolicShape> limit = getSymbolicShapeValue(range.getLimit());
    if (!start || !delta || !limit || start->size() != 1 || delta->size() != 1 ||
        limit->size() != 1 || (*start)[0].value != 0 || (*delta)[0].value != 1 ||
        (!(*limit)[0].isSymbol() && !(*limit)[0].isStatic()))
      return std::nullopt;
    return (*limit)[0];
  }
  return std::nullopt;
}

/// A dim of a graph input named by a dim_param is the first graph input dim of that name: the
/// runtime checks that dims with the same dim_param agree across all inputs (ONNX's meaning
/// of a named dimension), so `input_ids` and `attention_mask` of shape [batch, seq] share
/// their roots.
DimValue canonicalInputDim(DimValue dim) {
  auto arg = dyn_cast<BlockArgument>(dim.source);
  auto func = arg ? dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp()) : nullptr;
  if (!func || arg.getOwner() != &func.getFunctionBody().front())
    return dim;
  auto paramsOf = [&](unsigned i) {
    return func.getArgAttrOfType<ArrayAttr>(i, "onnx.dim_params");
  };
  ArrayAttr params = paramsOf(arg.getArgNumber());
  if (!params || dim.index >= (int64_t)params.size())
    return dim;
  auto name = dyn_cast<StringAttr>(params[dim.index]);
  if (!name || name.getValue().empty())
    return dim;
  for (unsigned i = 0; i <= arg.getArgNumber(); ++i) {
    ArrayAttr other = paramsOf(i);
    for (int64_t d = 0; other && d < (int64_t)other.size(); ++d)
      if (other[d] == name && isDynamicDim(func.getArgument(i), d))
        return DimValue{kDynamic, func.getArgument(i), d};
  }
  return dim;
}

} // namespace

DimValue kiln::onnx::getDimRoot(DimValue dim) {
  // Every step moves to a value defined earlier, so this ends.
  while (dim.isSymbol()) {
    auto type = dyn_cast<RankedTensorType>(dim.source.getType());
    if (!type || dim.index < 0 || dim.index >= type.getRank())
      return DimValue{};
    if (!type.isDynamicDim(dim.index))
      return DimValue{type.getDimSize(dim.index), nullptr, -1};
    std::optional<DimValue> next = stepBack(dim.source, dim.index);
    if (!next || !(next->isSymbol() || next->isStatic()))
      return canonicalInputDim(dim);
    dim = *next;
  }
  return dim;
}

DimValue kiln::onnx::getDimRoot(Value tensor, int64_t index) {
  return getDimRoot(DimValue{kDynamic, tensor, index});
}

bool kiln::onnx::dimsKnownEqual(DimValue a, DimValue b) {
  DimValue ra = getDimRoot(a), rb = getDimRoot(b);
  if (ra.isStatic() || rb.isStatic())
    return ra.isStatic() && rb.isStatic() && ra.value == rb.value;
  return ra.isSymbol() && rb.isSymbol() && ra.source == rb.source && ra.index == rb.index;
}
