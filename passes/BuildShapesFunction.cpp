//===- BuildShapesFunction.cpp - @main's output dims as a function --------===//
//
// Callers own the output buffers (kiln/runtime.h), so the runtime must know output shapes
// before a run. This pass derives them from the program itself: a clone of @main that returns
// only the dims of its results, with every `tensor.dim` resolved through the ops' shape
// reification until it reads input dims, and the now-unused computation erased. Where a dim
// depends on input values (a Reshape target fed by a graph input), those reads remain and the
// input is marked so that the runtime asks for its data. Calls that report run-time errors
// (out-of-range Gather indices) are dropped from the clone: @main reports them.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_BUILDSHAPESFUNCTION
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct BuildShapesFunctionPass
    : kiln::impl::BuildShapesFunctionBase<BuildShapesFunctionPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal())
      return;
    bool anyDynamic = false;
    for (Type t : main.getResultTypes()) {
      auto ranked = dyn_cast<RankedTensorType>(t);
      if (!ranked) {
        main.emitError() << "result type " << t << " is not a ranked tensor; the runtime needs "
                                                   "ranked outputs";
        return signalPassFailure();
      }
      anyDynamic |= !ranked.hasStaticShape();
    }
    if (!anyDynamic)
      return;
    if (module.lookupSymbol("main_shapes")) {
      module.emitError("@main_shapes already exists");
      return signalPassFailure();
    }
    if (!main.getBody().hasOneBlock()) {
      main.emitError("@main has more than one block");
      return signalPassFailure();
    }

    auto shapes = cast<func::FuncOp>(main->clone());
    shapes.setName("main_shapes");
    module.insert(std::next(Block::iterator(main)), shapes);
    unsigned numInputs = shapes.getNumArguments();
    Type i64 = IntegerType::get(ctx, 64);
    auto dimsType = MemRefType::get({ShapedType::kDynamic}, i64);
    if (failed(shapes.insertArgument(numInputs, dimsType, {}, shapes.getLoc())))
      return signalPassFailure();
    Value dims = shapes.getArgument(numInputs);

    auto ret = cast<func::ReturnOp>(shapes.getBody().front().getTerminator());
    OpBuilder b(ret);
    Location loc = ret.getLoc();
    int64_t position = 0;
    for (Value v : ret.getOperands()) {
      auto type = cast<RankedTensorType>(v.getType());
      for (int64_t d = 0; d < type.getRank(); ++d) {
        if (!type.isDynamicDim(d))
          continue;
        Value dim = tensor::DimOp::create(b, loc, v, d);
        Value asI64 = arith::IndexCastOp::create(b, loc, i64, dim);
        Value index = arith::ConstantIndexOp::create(b, loc, position++);
        memref::StoreOp::create(b, loc, asI64, dims, index);
      }
    }
    func::ReturnOp::create(b, loc);
    ret.erase();
    shapes.setType(FunctionType::get(ctx, shapes.getArgumentTypes(), {}));
    shapes.removeResAttrsAttr();
    shapes.setPrivate();

    // Run-time error reports would keep computation the dims do not need alive; the shapes
    // function does not report, @main does.
    shapes.walk([&](kiln::IndexErrorOp report) { report.erase(); });

    RewritePatternSet patterns(ctx);
    memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
    memref::populateResolveShapedTypeResultDimsPatterns(patterns);
    for (Dialect *dialect : ctx->getLoadedDialects())
      dialect->getCanonicalizationPatterns(patterns);
    for (RegisteredOperationName op : ctx->getRegisteredOperations())
      op.getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(shapes, std::move(patterns)))) {
      shapes.emitError("resolving result dims did not converge");
      return signalPassFailure();
    }
    // The symbol must survive symbol-DCE: the runtime calls it.
    shapes.setPublic();

    for (unsigned i = 0; i < numInputs; ++i) {
      bool readsValues = llvm::any_of(shapes.getArgument(i).getUsers(),
                                      [](Operation *user) { return !isa<tensor::DimOp>(user); });
      if (readsValues)
        main.setArgAttr(i, "kiln.host_value", UnitAttr::get(ctx));
    }
  }
};

} // namespace
