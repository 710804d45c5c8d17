//===- BufferizableOpInterfaceImpl.cpp - kiln ops in one-shot bufferization ===//
//
// A kiln op in destination-passing style (kiln.attention, kiln.layer_norm, kiln.rms_norm) on
// tensors becomes the same op on buffers: its init operand's buffer is the result (written,
// never read), its other operands are read.
//
//===----------------------------------------------------------------------===//

#include "dialects/Kiln/KilnDialect.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;

namespace {

template <typename OpTy>
struct DestinationOpInterface
    : DstBufferizableOpInterfaceExternalModel<DestinationOpInterface<OpTy>, OpTy> {
  /// The output is only written.
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand, const AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options, BufferizationState &state) const {
    SmallVector<Value> buffers;
    for (OpOperand &operand : op->getOpOperands()) {
      FailureOr<Value> buffer = getBuffer(rewriter, operand.get(), options, state);
      if (failed(buffer))
        return failure();
      buffers.push_back(*buffer);
    }
    // The same op on buffers: the operands' buffers, no results, the same properties.
    OperationState onBuffers(op->getLoc(), op->getName());
    onBuffers.addOperands(buffers);
    onBuffers.propertiesAttr = op->getPropertiesAsAttribute();
    for (NamedAttribute attribute : op->getDiscardableAttrs())
      onBuffers.addAttribute(attribute.getName(), attribute.getValue());
    rewriter.setInsertionPoint(op);
    rewriter.create(onBuffers);
    replaceOpWithBufferizedValues(rewriter, op, buffers.back());
    return success();
  }
};

} // namespace

void kiln::registerKilnBufferizationModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, kiln::KilnDialect *) {
    kiln::AttentionOp::attachInterface<DestinationOpInterface<kiln::AttentionOp>>(*ctx);
    kiln::LayerNormOp::attachInterface<DestinationOpInterface<kiln::LayerNormOp>>(*ctx);
    kiln::RMSNormOp::attachInterface<DestinationOpInterface<kiln::RMSNormOp>>(*ctx);
  });
}
