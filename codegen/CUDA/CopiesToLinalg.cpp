//===- CopiesToLinalg.cpp - kiln-cuda-copies-to-linalg --------------------===//

#include "codegen/CUDA/CUDAPasses.h"

namespace kiln {
#define GEN_PASS_DEF_CUDACOPIESTOLINALG
#include "codegen/CUDA/CUDAPasses.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct CUDACopiesToLinalgPass : kiln::impl::CUDACopiesToLinalgBase<CUDACopiesToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp op) { copies.push_back(op); });
    for (memref::CopyOp op : copies) {
      OpBuilder b(op);
      linalg::CopyOp::create(b, op.getLoc(), op.getSource(), op.getTarget());
      op.erase();
    }
  }
};

} // namespace
