//===- ONNXTypes.cpp - ONNX element types in MLIR -------------------------===//

#include "dialects/ONNX/ONNXTypes.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

Type kiln::onnx::convertElementType(MLIRContext *ctx, int dataType) {
  auto uint = [&](unsigned width) { return IntegerType::get(ctx, width, IntegerType::Unsigned); };
  switch (dataType) {
  case 1: return Float32Type::get(ctx);
  case 2: return uint(8);
  case 3: return IntegerType::get(ctx, 8);
  case 4: return uint(16);
  case 5: return IntegerType::get(ctx, 16);
  case 6: return IntegerType::get(ctx, 32);
  case 7: return IntegerType::get(ctx, 64);
  case 9: return IntegerType::get(ctx, 1);
  case 10: return Float16Type::get(ctx);
  case 11: return Float64Type::get(ctx);
  case 12: return uint(32);
  case 13: return uint(64);
  case 16: return BFloat16Type::get(ctx);
  default: return nullptr;
  }
}

std::string kiln::onnx::elementTypeName(int dataType) {
  static const char *names[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16",
                                "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE",
                                "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16",
                                "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ",
                                "UINT4", "INT4", "FLOAT4E2M1"};
  if (dataType >= 0 && dataType < (int)std::size(names))
    return names[dataType];
  return "unknown(" + std::to_string(dataType) + ")";
}
