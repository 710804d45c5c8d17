//===- TensorImport.cpp - TensorProto -> ElementsAttr ---------------------===//
//
// Weights are the bulk of a model, so they are never copied when they can be aliased: raw_data
// stays in the parsed ModelProto and external data stays in its memory-mapped file; the
// `dense_resource` blob keeps either alive. Every size and offset read from the file is checked
// before it is used.
//
//===----------------------------------------------------------------------===//

#include "importer/TensorImport.h"

#include "dialects/ONNX/ONNXTypes.h"
#include "dialects/ONNX/ShapeHelpers.h"

#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SwapByteOrder.h"

#include <onnx/onnx_pb.h>

using namespace mlir;
using namespace kiln;
using llvm::createStringError;
using llvm::Expected;

static_assert(llvm::sys::IsLittleEndianHost,
              "ONNX raw data is little-endian and is aliased as is: big-endian hosts need a swap");

namespace {

/// Bytes per element in memory (i1 is stored as one byte, as ONNX stores BOOL).
unsigned byteWidth(Type element) {
  return std::max(1u, element.getIntOrFloatBitWidth() / 8);
}

/// A resource key that prints as a bare identifier.
std::string resourceName(StringRef name) {
  std::string key;
  for (char c : name)
    key.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  if (key.empty() || llvm::isDigit(key[0]))
    key.insert(key.begin(), '_');
  return key;
}

/// Packs the typed repeated fields of a TensorProto into raw little-endian bytes.
Expected<std::vector<char>> packTypedFields(const ::onnx::TensorProto &t, Type element,
                                            int64_t count) {
  std::vector<char> out;
  auto expectCount = [&](int64_t got, StringRef field) -> llvm::Error {
    if (got != count)
      return createStringError("%s holds %lld values, expected %lld", field.str().c_str(),
                               (long long)got, (long long)count);
    return llvm::Error::success();
  };
  auto append = [&](auto value, unsigned bytes) {
    const char *p = reinterpret_cast<const char *>(&value);
    out.insert(out.end(), p, p + bytes);
  };
  unsigned width = byteWidth(element);
  switch (t.data_type()) {
  case ::onnx::TensorProto::FLOAT:
    if (auto e = expectCount(t.float_data_size(), "float_data"))
      return std::move(e);
    for (float v : t.float_data())
      append(v, 4);
    break;
  case ::onnx::TensorProto::DOUBLE:
    if (auto e = expectCount(t.double_data_size(), "double_data"))
      return std::move(e);
    for (double v : t.double_data())
      append(v, 8);
    break;
  case ::onnx::TensorProto::INT64:
    if (auto e = expectCount(t.int64_data_size(), "int64_data"))
      return std::move(e);
    for (int64_t v : t.int64_data())
      append(v, 8);
    break;
  case ::onnx::TensorProto::UINT32:
  case ::onnx::TensorProto::UINT64:
    if (auto e = expectCount(t.uint64_data_size(), "uint64_data"))
      return std::move(e);
    for (uint64_t v : t.uint64_data())
      append(v, width);
    break;
  default:
    // INT32, INT16, INT8, UINT16, UINT8, BOOL, FLOAT16, BFLOAT16: one value per int32.
    if (auto e = expectCount(t.int32_data_size(), "int32_data"))
      return std::move(e);
    for (int32_t v : t.int32_data())
      append(v, width);
    break;
  }
  return out;
}

} // namespace

ElementsAttr TensorImporter::makeResource(ShapedType type, StringRef name, ArrayRef<char> bytes,
                                          std::shared_ptr<const void> keepAlive) {
  size_t align = byteWidth(type.getElementType());
  AsmResourceBlob blob;
  if (keepAlive && reinterpret_cast<uintptr_t>(bytes.data()) % align == 0) {
    blob = AsmResourceBlob(
        bytes, align,
        [keepAlive = std::move(keepAlive)](void *, size_t, size_t) mutable { keepAlive.reset(); },
        /*dataIsMutable=*/false);
  } else {
    blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align);
  }
  return DenseResourceElementsAttr::get(type, resourceName(name), std::move(blob));
}

Expected<ArrayRef<char>> TensorImporter::externalData(const ::onnx::TensorProto &t,
                                                      uint64_t expectedBytes,
                                                      std::shared_ptr<const void> &keepAlive) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const auto &entry : t.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset" || entry.key() == "length") {
      uint64_t v;
      if (StringRef(entry.value()).getAsInteger(10, v))
        return createStringError("external data %s '%s' is not a non-negative integer",
                                 entry.key().c_str(), entry.value().c_str());
      (entry.key() == "offset" ? offset : length.emplace()) = v;
    }
  }
  if (location.empty())
    return createStringError("external data has no location");
  if (llvm::sys::path::is_absolute(location))
    return createStringError("external data location '%s' is an absolute path; it must be "
                             "relative to the model's folder",
                             location.c_str());
  SmallString<256> path(modelDir);
  llvm::sys::path::append(path, location);
  SmallString<256> realPath, realDir;
  if (llvm::sys::fs::real_path(path, realPath) || llvm::sys::fs::real_path(modelDir, realDir))
    return createStringError("cannot open external data file '%s'", location.c_str());
  if (!StringRef(realPath).starts_with((realDir + llvm::sys::path::get_separator()).str()))
    return createStringError("external data location '%s' leaves the model's folder",
                             location.c_str());
  if (llvm::sys::fs::is_directory(realPath))
    return createStringError("external data location '%s' is a directory", location.c_str());

  std::shared_ptr<llvm::MemoryBuffer> &file = externalFiles[realPath];
  if (!file) {
    auto buffer = llvm::MemoryBuffer::getFile(realPath, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer)
      return createStringError("cannot read external data file '%s': %s", location.c_str(),
                               buffer.getError().message().c_str());
    file = std::move(*buffer);
  }
  uint64_t size = file->getBufferSize();
  if (length && *length != expectedBytes)
    return createStringError("external data length %llu differs from the %llu bytes the "
                             "tensor's shape and type need",
                             (unsigned long long)*length, (unsigned long long)expectedBytes);
  if (offset > size || expectedBytes > size - offset)
    return createStringError("external data range [%llu, %llu + %llu) is past the end of "
                             "'%s' (%llu bytes)",
                             (unsigned long long)offset, (unsigned long long)offset,
                             (unsigned long long)expectedBytes, location.c_str(),
                             (unsigned long long)size);
  keepAlive = file;
  return ArrayRef<char>(file->getBufferStart() + offset, expectedBytes);
}

Expected<ElementsAttr> TensorImporter::import(const ::onnx::TensorProto &t) {
  Type element = kiln::onnx::convertElementType(&context, t.data_type());
  if (!element)
    return createStringError("unsupported element type %s",
                             kiln::onnx::elementTypeName(t.data_type()).c_str());
  SmallVector<int64_t> dims;
  for (int64_t d : t.dims()) {
    if (d < 0)
      return createStringError("negative dim %lld", (long long)d);
    dims.push_back(d);
  }
  std::optional<int64_t> count = kiln::onnx::getElementCount(dims);
  if (!count || (uint64_t)*count > UINT64_MAX / byteWidth(element))
    return createStringError("element count overflows");
  uint64_t bytes = (uint64_t)*count * byteWidth(element);
  if (bytes > options.maxTensorBytes)
    return createStringError("tensor of %llu bytes exceeds the limit of %llu bytes "
                             "(--max-tensor-bytes)",
                             (unsigned long long)bytes,
                             (unsigned long long)options.maxTensorBytes);
  auto type = RankedTensorType::get(dims, element);

  ArrayRef<char> data;
  std::shared_ptr<const void> keepAlive;
  std::vector<char> packed;
  if (t.data_location() == ::onnx::TensorProto::EXTERNAL) {
    Expected<ArrayRef<char>> ext = externalData(t, bytes, keepAlive);
    if (!ext)
      return ext.takeError();
    data = *ext;
  } else if (t.has_raw_data()) {
    if (t.raw_data().size() != bytes)
      return createStringError("raw_data holds %zu bytes, the shape and type need %llu",
                               t.raw_data().size(), (unsigned long long)bytes);
    data = ArrayRef<char>(t.raw_data().data(), t.raw_data().size());
    keepAlive = owner;
  } else {
    Expected<std::vector<char>> p = packTypedFields(t, element, *count);
    if (!p)
      return p.takeError();
    packed = std::move(*p);
    data = packed;
  }

  if (element.isInteger(1)) {
    SmallVector<bool> values;
    for (char c : data)
      values.push_back(c != 0);
    return cast<ElementsAttr>(DenseElementsAttr::get(type, values));
  }
  if (bytes <= options.maxInlineConstantBytes)
    return cast<ElementsAttr>(DenseElementsAttr::getFromRawBuffer(type, data));
  return makeResource(type, t.name().empty() ? "tensor" : t.name(), data, std::move(keepAlive));
}

Expected<TensorType> TensorImporter::importType(const ::onnx::TypeProto &type) {
  if (!type.has_tensor_type())
    return createStringError("not a tensor type (sequence, map, optional and sparse types are "
                             "not supported)");
  const auto &tensor = type.tensor_type();
  Type element = kiln::onnx::convertElementType(&context, tensor.elem_type());
  if (!element)
    return createStringError("unsupported element type %s",
                             kiln::onnx::elementTypeName(tensor.elem_type()).c_str());
  if (!tensor.has_shape())
    return cast<TensorType>(UnrankedTensorType::get(element));
  SmallVector<int64_t> dims;
  int64_t staticCount = 1;
  for (const auto &dim : tensor.shape().dim()) {
    if (!dim.has_dim_value()) {
      dims.push_back(ShapedType::kDynamic);
      continue;
    }
    if (dim.dim_value() < 0)
      return createStringError("negative dim %lld", (long long)dim.dim_value());
    if (llvm::MulOverflow<int64_t>(staticCount, dim.dim_value(), staticCount))
      return createStringError("element count overflows");
    dims.push_back(dim.dim_value());
  }
  return cast<TensorType>(RankedTensorType::get(dims, element));
}
