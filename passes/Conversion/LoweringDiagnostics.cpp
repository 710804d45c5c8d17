//===- LoweringDiagnostics.cpp - why an op could not be lowered -----------===//

#include "passes/Conversion/LoweringDiagnostics.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/SaveAndRestore.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace {

/// The reasons recorded during the conversion running on this thread, by (op name, location).
/// A conversion runs on one thread from start to end, so a thread-local collector sees exactly
/// the reasons of its own patterns.
struct Reasons {
  llvm::MapVector<std::pair<OperationName, Location>, SmallVector<std::string>> byOp;
};
thread_local Reasons *activeReasons = nullptr;

} // namespace

LogicalResult kiln::rejectLowering(RewriterBase &rewriter, Operation *op, const Twine &reason) {
  if (activeReasons) {
    SmallVector<std::string> &reasons = activeReasons->byOp[{op->getName(), op->getLoc()}];
    if (!llvm::is_contained(reasons, reason.str()))
      reasons.push_back(reason.str());
  }
  return rewriter.notifyMatchFailure(op, reason);
}

LogicalResult kiln::applyLoweringConversion(Operation *root, const ConversionTarget &target,
                                            const FrozenRewritePatternSet &patterns) {
  Reasons reasons;
  llvm::SaveAndRestore<Reasons *> install(activeReasons, &reasons);
  // The driver's own "failed to legalize" errors are held back and replaced below.
  SmallVector<std::pair<Location, std::string>> illegal;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler handler(root->getContext(), [&](Diagnostic &diag) {
      std::string message = diag.str();
      StringRef text(message);
      if (diag.getSeverity() != DiagnosticSeverity::Error ||
          !text.consume_front("failed to legalize operation '"))
        return failure();
      illegal.emplace_back(diag.getLocation(), text.take_until([](char c) { return c == '\''; }).str());
      return success();
    });
    result = applyPartialConversion(root, target, patterns);
  }
  for (const auto &entry : illegal) {
    Location loc = entry.first;
    StringRef name = entry.second;
    InFlightDiagnostic error = emitError(loc) << "cannot lower '" << name << "'";
    auto it = llvm::find_if(reasons.byOp, [&](auto &recorded) {
      return recorded.first.first.getStringRef() == name && recorded.first.second == loc;
    });
    if (it == reasons.byOp.end() || it->second.empty())
      error << ": no lowering pattern applies to this form";
    else
      error << ": " << llvm::join(it->second, "; ");
  }
  return result;
}
