//===- ONNXImporter.cpp - ONNX model -> onnx dialect ----------------------===//
//
// Reads a ModelProto under explicit limits, checks the graph's structure (definitions, cycles,
// duplicates), orders the nodes topologically, and builds one onnx op per node through the
// generated schema table. Each op's result types are inferred as soon as it exists, so every
// error surfaces at the node that causes it, with that node's name, op type, domain and opset.
//
//===----------------------------------------------------------------------===//

#include "importer/ONNXImporter.h"

#include "dialects/ONNX/NodeLocation.h"
#include "dialects/ONNX/ONNXDialect.h"
#include "dialects/ONNX/ONNXSchemas.h"
#include "dialects/TFM/TFMDialect.h"
#include "importer/TensorImport.h"
#include "passes/ShapeRefinement.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <onnx/onnx_pb.h>

#include <fcntl.h>
#include <unistd.h>

using namespace mlir;
using namespace kiln;
using kiln::onnx::AttrKind;
using kiln::onnx::OpSchema;
using kiln::onnx::ParamKind;

void kiln::registerImporterDialects(DialectRegistry &registry) {
  registry.insert<kiln::onnx::ONNXDialect, kiln::tfm::TFMDialect, func::FuncDialect>();
}

namespace {

/// Parses a ModelProto from `stream` with explicit size and depth limits and checks the
/// minimum a model must have.
LogicalResult parseModel(google::protobuf::io::ZeroCopyInputStream &stream,
                         const ImportOptions &options, Location fileLoc,
                         ::onnx::ModelProto &model) {
  google::protobuf::io::CodedInputStream coded(&stream);
  coded.SetTotalBytesLimit((int)std::min<uint64_t>(options.maxModelBytes, INT32_MAX));
  coded.SetRecursionLimit(options.maxProtobufDepth);
  if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
    return emitError(fileLoc) << "not a valid ONNX model: the protobuf cannot be parsed "
                                 "(truncated, corrupt, nested deeper than "
                              << options.maxProtobufDepth << ", or not an ONNX file)";
  if (!model.has_graph())
    return emitError(fileLoc) << "not a valid ONNX model: it has no graph";
  if (model.opset_import_size() == 0)
    return emitError(fileLoc) << "not a valid ONNX model: it imports no opset";
  return success();
}

/// Reads the model file, streaming it so the only copy of the weights is the parsed message.
LogicalResult readModel(StringRef path, const ImportOptions &options, Location fileLoc,
                        ::onnx::ModelProto &model) {
  if (llvm::sys::fs::is_directory(path))
    return emitError(fileLoc) << "'" << path << "' is a directory, not an ONNX model file";
  uint64_t size;
  if (llvm::sys::fs::file_size(path, size))
    return emitError(fileLoc) << "cannot open '" << path << "'";
  if (size > options.maxModelBytes)
    return emitError(fileLoc) << "model file of " << size << " bytes exceeds the limit of "
                              << options.maxModelBytes
                              << " bytes (--max-model-bytes); keep weights as external data";
  int fd = ::open(path.str().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return emitError(fileLoc) << "cannot open '" << path << "'";
  google::protobuf::io::FileInputStream file(fd);
  file.SetCloseOnDelete(true);
  return parseModel(file, options, fileLoc, model);
}

/// Collects the diagnostics raised while one node is imported and re-emits them, prefixed with
/// the node's identity, as a single error.
class NodeDiagnostics {
public:
  NodeDiagnostics(MLIRContext &context)
      : handler(&context, [this](Diagnostic &diag) {
          if (diag.getSeverity() != DiagnosticSeverity::Error)
            return failure(); // Let notes and warnings through.
          std::string message = diag.str();
          // "'onnx.MatMul' op contraction dims differ" -> "contraction dims differ".
          size_t op = message.find("' op ");
          if (!message.empty() && message[0] == '\'' && op != std::string::npos)
            message = message.substr(op + 5);
          messages.push_back(message);
          return success();
        }) {}
  std::vector<std::string> messages;

private:
  ScopedDiagnosticHandler handler;
};

class GraphImporter {
public:
  GraphImporter(MLIRContext &context, StringRef name, StringRef modelDir,
                const ImportOptions &options, std::shared_ptr<::onnx::ModelProto> model)
      : context(context), builder(&context), options(options), model(*model),
        fileLoc(FileLineColLoc::get(&context, name, 0, 0)),
        tensors(context, modelDir, model, options) {}

  OwningOpRef<ModuleOp> run();

private:
  LogicalResult readOpsets();
  LogicalResult importInitializers();
  LogicalResult importInputs(func::FuncOp func, Block *body);
  LogicalResult sortNodes(SmallVectorImpl<int> &order);
  LogicalResult importNode(const ::onnx::NodeProto &node, int index);
  LogicalResult buildNode(const ::onnx::NodeProto &node, const OpSchema &schema, int version,
                          Location loc);
  LogicalResult buildConstant(const ::onnx::NodeProto &node, Location loc);
  FailureOr<Attribute> convertAttribute(const ::onnx::AttributeProto &attr, AttrKind kind);
  InFlightDiagnostic nodeError(const ::onnx::NodeProto &node, int index);
  std::string nodeName(const ::onnx::NodeProto &node, int index) const;
  kiln::onnx::NodeInfo nodeInfo(const ::onnx::NodeProto &node, int index) const;
  LogicalResult defineValue(StringRef name, Value value, Location loc);

  MLIRContext &context;
  OpBuilder builder;
  const ImportOptions &options;
  const ::onnx::ModelProto &model;
  Location fileLoc;
  TensorImporter tensors;
  llvm::StringMap<int> opsets;           // domain ("" for ai.onnx) -> version
  llvm::StringMap<Value> values;         // ONNX value name -> SSA value
  llvm::StringMap<Type> declaredTypes;   // value_info and graph output types
  llvm::StringSet<> functionNames;       // "domain/name" of model-local functions
};

std::string GraphImporter::nodeName(const ::onnx::NodeProto &node, int index) const {
  return node.name().empty() ? "#" + std::to_string(index) : node.name();
}

kiln::onnx::NodeInfo GraphImporter::nodeInfo(const ::onnx::NodeProto &node, int index) const {
  std::string domain = node.domain().empty() || node.domain() == "ai.onnx" ? "" : node.domain();
  auto it = opsets.find(domain);
  return {nodeName(node, index), node.op_type(), domain.empty() ? "ai.onnx" : domain,
          it != opsets.end() ? it->second : 0};
}

InFlightDiagnostic GraphImporter::nodeError(const ::onnx::NodeProto &node, int index) {
  InFlightDiagnostic diag = emitError(fileLoc);
  diag << kiln::onnx::describeNode(nodeInfo(node, index)) << ": ";
  return diag;
}

LogicalResult GraphImporter::defineValue(StringRef name, Value value, Location loc) {
  if (name.empty())
    return success();
  if (!values.try_emplace(name, value).second)
    return emitError(loc) << "value '" << name << "' is defined more than once";
  return success();
}

LogicalResult GraphImporter::readOpsets() {
  for (const auto &opset : model.opset_import()) {
    std::string domain = opset.domain() == "ai.onnx" ? "" : opset.domain();
    opsets[domain] = (int)opset.version();
  }
  auto it = opsets.find("");
  if (it == opsets.end())
    return emitError(fileLoc) << "the model imports no opset of the standard ONNX domain";
  if (it->second < kiln::onnx::kMinSupportedOpset || it->second > kiln::onnx::maxKnownOpset())
    return emitError(fileLoc) << "unsupported opset " << it->second
                              << " of the standard ONNX domain (Kiln supports opsets "
                              << kiln::onnx::kMinSupportedOpset << " to " << kiln::onnx::maxKnownOpset()
                              << ")";
  for (const auto &function : model.functions())
    functionNames.insert(function.domain() + "/" + function.name());
  for (const auto &entry : model.graph().value_info()) {
    if (!entry.has_type())
      continue;
    if (auto type = tensors.importType(entry.type()))
      declaredTypes[entry.name()] = *type;
    else
      llvm::consumeError(type.takeError()); // value_info is only a hint.
  }
  return success();
}

LogicalResult GraphImporter::importInitializers() {
  for (const auto &init : model.graph().initializer()) {
    if (init.name().empty())
      return emitError(fileLoc) << "an initializer has no name";
    llvm::Expected<ElementsAttr> value = tensors.import(init);
    if (!value)
      return emitError(fileLoc) << "initializer '" << init.name()
                                << "': " << llvm::toString(value.takeError());
    Location loc = NameLoc::get(builder.getStringAttr(init.name()), fileLoc);
    auto constant = kiln::onnx::ConstantOp::create(builder, loc, *value);
    if (failed(defineValue(init.name(), constant, fileLoc)))
      return failure();
  }
  return success();
}

LogicalResult GraphImporter::importInputs(func::FuncOp func, Block *body) {
  SmallVector<Type> inputTypes;
  SmallVector<DictionaryAttr> argAttrs;
  llvm::StringSet<> inputNames;
  for (const auto &input : model.graph().input()) {
    if (!inputNames.insert(input.name()).second)
      return emitError(fileLoc) << "graph input '" << input.name() << "' is listed twice";
    // Before IR version 4 initializers were also listed as inputs; they stay constants.
    if (values.count(input.name()))
      continue;
    if (input.name().empty())
      return emitError(fileLoc) << "a graph input has no name";
    llvm::Expected<TensorType> type = tensors.importType(input.type());
    if (!type)
      return emitError(fileLoc) << "graph input '" << input.name()
                                << "': " << llvm::toString(type.takeError());
    Location loc = NameLoc::get(builder.getStringAttr(input.name()), fileLoc);
    BlockArgument arg = body->addArgument(*type, loc);
    inputTypes.push_back(*type);
    if (failed(defineValue(input.name(), arg, fileLoc)))
      return failure();
    SmallVector<NamedAttribute> attrs = {builder.getNamedAttr("onnx.name",
                                                              builder.getStringAttr(input.name()))};
    if (input.type().tensor_type().has_shape()) {
      SmallVector<Attribute> params;
      bool anyParam = false;
      for (const auto &dim : input.type().tensor_type().shape().dim()) {
        params.push_back(builder.getStringAttr(dim.dim_param()));
        anyParam |= !dim.dim_param().empty();
      }
      if (anyParam)
        attrs.push_back(builder.getNamedAttr("onnx.dim_params", builder.getArrayAttr(params)));
    }
    argAttrs.push_back(builder.getDictionaryAttr(attrs));
  }
  func.setType(builder.getFunctionType(inputTypes, {}));
  for (auto [i, attrs] : llvm::enumerate(argAttrs))
    func.setArgAttrs(i, attrs);
  return success();
}

LogicalResult GraphImporter::sortNodes(SmallVectorImpl<int> &order) {
  const auto &nodes = model.graph().node();
  llvm::StringMap<int> producer;
  for (int i = 0; i < nodes.size(); ++i)
    for (const std::string &out : nodes[i].output()) {
      if (out.empty())
        continue;
      if (values.count(out))
        return nodeError(nodes[i], i) << "output '" << out
                                      << "' redefines a graph input or initializer";
      if (!producer.try_emplace(out, i).second)
        return nodeError(nodes[i], i) << "output '" << out << "' is also produced by node '"
                                      << nodeName(nodes[producer[out]], producer[out]) << "'";
    }
  // Kahn's algorithm, stable with respect to the file's order.
  std::vector<int> pending(nodes.size(), 0);
  std::vector<std::vector<int>> users(nodes.size());
  for (int i = 0; i < nodes.size(); ++i)
    for (const std::string &in : nodes[i].input()) {
      if (in.empty() || values.count(in))
        continue;
      auto it = producer.find(in);
      if (it == producer.end())
        return nodeError(nodes[i], i) << "input '" << in
                                      << "' is not a graph input, an initializer or the output "
                                         "of any node";
      ++pending[i];
      users[it->second].push_back(i);
    }
  std::vector<int> ready;
  for (int i = nodes.size() - 1; i >= 0; --i)
    if (!pending[i])
      ready.push_back(i);
  while (!ready.empty()) {
    int i = ready.back();
    ready.pop_back();
    order.push_back(i);
    for (int user : llvm::reverse(users[i]))
      if (--pending[user] == 0)
        ready.push_back(user);
  }
  if ((int)order.size() != nodes.size())
    for (int i = 0; i < nodes.size(); ++i)
      if (pending[i])
        return nodeError(nodes[i], i) << "the graph has a cycle through this node";
  return success();
}

FailureOr<Attribute> GraphImporter::convertAttribute(const ::onnx::AttributeProto &attr,
                                                     AttrKind kind) {
  using A = ::onnx::AttributeProto;
  static const std::pair<AttrKind, int> expected[] = {
      {AttrKind::Int, A::INT},         {AttrKind::Float, A::FLOAT},
      {AttrKind::String, A::STRING},   {AttrKind::Ints, A::INTS},
      {AttrKind::Floats, A::FLOATS},   {AttrKind::Strings, A::STRINGS},
      {AttrKind::Tensor, A::TENSOR}};
  for (auto [k, t] : expected)
    if (k == kind && attr.type() != t && attr.type() != A::UNDEFINED)
      return emitError(fileLoc) << "attribute '" << attr.name() << "' has type "
                                << A::AttributeType_Name(attr.type()) << ", expected "
                                << A::AttributeType_Name((A::AttributeType)t);
  switch (kind) {
  case AttrKind::Int:
    return Attribute(builder.getI64IntegerAttr(attr.i()));
  case AttrKind::Float:
    return Attribute(builder.getF32FloatAttr(attr.f()));
  case AttrKind::String:
    return Attribute(builder.getStringAttr(attr.s()));
  case AttrKind::Ints:
    return Attribute(builder.getDenseI64ArrayAttr(
        SmallVector<int64_t>(attr.ints().begin(), attr.ints().end())));
  case AttrKind::Floats:
    return Attribute(builder.getDenseF32ArrayAttr(
        SmallVector<float>(attr.floats().begin(), attr.floats().end())));
  case AttrKind::Strings: {
    SmallVector<Attribute> strings;
    for (const std::string &s : attr.strings())
      strings.push_back(builder.getStringAttr(s));
    return Attribute(builder.getArrayAttr(strings));
  }
  case AttrKind::Tensor: {
    llvm::Expected<ElementsAttr> value = tensors.import(attr.t());
    if (!value)
      return emitError(fileLoc) << "attribute '" << attr.name()
                                << "': " << llvm::toString(value.takeError());
    return Attribute(*value);
  }
  case AttrKind::Unsupported:
    break;
  }
  return emitError(fileLoc) << "attribute '" << attr.name() << "' is not supported by Kiln";
}

LogicalResult GraphImporter::buildConstant(const ::onnx::NodeProto &node, Location loc) {
  if (node.attribute_size() != 1)
    return emitError(loc) << "Constant must have exactly one value attribute";
  const auto &attr = node.attribute(0);
  ElementsAttr value;
  Type f32 = builder.getF32Type(), i64 = builder.getI64Type();
  if (attr.name() == "value") {
    FailureOr<Attribute> v = convertAttribute(attr, AttrKind::Tensor);
    if (failed(v))
      return failure();
    value = cast<ElementsAttr>(*v);
  } else if (attr.name() == "value_float") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, f32), attr.f());
  } else if (attr.name() == "value_int") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, i64), (int64_t)attr.i());
  } else if (attr.name() == "value_floats") {
    SmallVector<float> v(attr.floats().begin(), attr.floats().end());
    value = DenseElementsAttr::get(RankedTensorType::get({(int64_t)v.size()}, f32),
                                   ArrayRef<float>(v));
  } else if (attr.name() == "value_ints") {
    SmallVector<int64_t> v(attr.ints().begin(), attr.ints().end());
    value = DenseElementsAttr::get(RankedTensorType::get({(int64_t)v.size()}, i64),
                                   ArrayRef<int64_t>(v));
  } else {
    return emitError(loc) << "Constant attribute '" << attr.name() << "' is not supported";
  }
  auto constant = kiln::onnx::ConstantOp::create(builder, loc, value);
  return defineValue(node.output_size() ? node.output(0) : "", constant, loc);
}

LogicalResult GraphImporter::buildNode(const ::onnx::NodeProto &node, const OpSchema &schema,
                                       int version, Location loc) {
  OperationState state(loc, schema.opName);

  // Attributes, then the opset normalisations that turn old attributes into operands.
  std::optional<SmallVector<int64_t>> movedAxes;
  bool reduceWithAxesAttr = schema.opType.starts_with("Reduce") && version < 18 &&
                            !(schema.opType == "ReduceSum" && version >= 13);
  for (const auto &attr : node.attribute()) {
    if (!attr.ref_attr_name().empty())
      return emitError(loc) << "attribute '" << attr.name()
                            << "' refers to a function attribute, which Kiln does not support";
    if (reduceWithAxesAttr && attr.name() == "axes") {
      movedAxes.emplace(attr.ints().begin(), attr.ints().end());
      continue;
    }
    const kiln::onnx::AttrSchema *attrSchema = schema.findAttribute(attr.name());
    if (!attrSchema)
      return emitError(loc) << "unknown attribute '" << attr.name() << "'";
    FailureOr<Attribute> value = convertAttribute(attr, attrSchema->kind);
    if (failed(value))
      return failure();
    state.addAttribute(attrSchema->mlirName, *value);
  }

  // Shape inference reads attributes before the op is verified, so required ones are checked
  // here.
  for (const kiln::onnx::AttrSchema &attr : schema.attributes)
    if (attr.required && !state.attributes.get(attr.mlirName))
      return emitError(loc) << "required attribute '" << attr.onnxName << "' is missing";

  // Operands, grouped as the schema's inputs are.
  SmallVector<Value> extraOperands;
  if (movedAxes) {
    auto type = RankedTensorType::get({(int64_t)movedAxes->size()}, builder.getI64Type());
    extraOperands.push_back(kiln::onnx::ConstantOp::create(
        builder, loc, DenseElementsAttr::get(type, ArrayRef<int64_t>(*movedAxes))));
  }
  auto lookup = [&](const std::string &name) -> FailureOr<Value> {
    Value v = values.lookup(name);
    if (!v)
      return emitError(loc) << "input '" << name << "' is not defined";
    return v;
  };
  SmallVector<int32_t> segments;
  int next = 0, numInputs = node.input_size();
  for (auto [i, param] : llvm::enumerate(schema.inputs)) {
    bool present = next < numInputs && !node.input(next).empty();
    if (param.kind == ParamKind::Variadic) {
      int count = 0;
      for (; next < numInputs; ++next, ++count) {
        FailureOr<Value> v = lookup(node.input(next));
        if (failed(v))
          return failure();
        state.addOperands(*v);
      }
      if (count == 0)
        return emitError(loc) << "variadic input '" << param.name << "' needs at least one value";
      segments.push_back(count);
      continue;
    }
    if (!present && i == schema.inputs.size() - 1 && !extraOperands.empty()) {
      state.addOperands(extraOperands);
      segments.push_back(1);
      ++next;
      continue;
    }
    if (!present && param.kind == ParamKind::Single)
      return emitError(loc) << "required input '" << param.name << "' is missing";
    if (present) {
      FailureOr<Value> v = lookup(node.input(next));
      if (failed(v))
        return failure();
      state.addOperands(*v);
    }
    segments.push_back(present ? 1 : 0);
    ++next;
  }
  if (next < numInputs)
    return emitError(loc) << "has " << numInputs << " inputs, the operator takes at most "
                          << schema.inputs.size();
  if (llvm::count_if(schema.inputs, [](auto &p) { return p.kind != ParamKind::Single; }) > 1)
    state.addAttribute("operandSegmentSizes", builder.getDenseI32ArrayAttr(segments));

  // Results: one per schema output (optional ones always exist), or the node's outputs for a
  // variadic output.
  int numResults = 0;
  for (const auto &param : schema.outputs)
    numResults += param.kind == ParamKind::Variadic ? std::max(0, node.output_size() - numResults)
                                                    : 1;
  if (numResults == 0)
    return emitError(loc) << "has no outputs";
  if (node.output_size() > numResults)
    return emitError(loc) << "has " << node.output_size()
                          << " outputs, the operator produces at most " << numResults;
  state.addTypes(SmallVector<Type>(numResults, UnrankedTensorType::get(builder.getF32Type())));

  Operation *op = builder.create(state);
  if (failed(refineResultTypes(op)))
    return failure();
  for (auto [i, result] : llvm::enumerate(op->getResults())) {
    if ((int)i >= node.output_size() || node.output(i).empty())
      continue;
    if (Type declared = declaredTypes.lookup(node.output(i))) {
      FailureOr<Type> merged = meetTypes(op, i, declared, result.getType());
      if (failed(merged))
        return failure();
      result.setType(*merged);
    }
    if (failed(defineValue(node.output(i), result, loc)))
      return failure();
  }
  return verify(op);
}

LogicalResult GraphImporter::importNode(const ::onnx::NodeProto &node, int index) {
  std::string domain = node.domain() == "ai.onnx" ? "" : node.domain();
  if (functionNames.contains(node.domain() + "/" + node.op_type()))
    return nodeError(node, index) << "calls a model-local function; functions are not supported";
  auto opset = opsets.find(domain);
  if (opset == opsets.end())
    return nodeError(node, index) << "the model does not import domain '" << node.domain() << "'";
  bool isConstant = node.op_type() == "Constant" && domain.empty();
  const OpSchema *schema = kiln::onnx::lookupOpSchema(domain, node.op_type());
  if (!schema && !isConstant)
    return nodeError(node, index) << "unsupported operator";
  int version = isConstant ? opset->second : schema->versionAt(opset->second);
  if (version == 0)
    return nodeError(node, index) << "the operator is not defined in opset " << opset->second
                                  << " (it was introduced in opset " << schema->versions.front()
                                  << ")";
  Location loc = kiln::onnx::makeNodeLoc(&context, nodeInfo(node, index), fileLoc);

  std::vector<std::string> messages;
  LogicalResult result = failure();
  {
    NodeDiagnostics diagnostics(context);
    result = isConstant ? buildConstant(node, loc)
                 : buildNode(node, *schema, version, loc);
    messages = std::move(diagnostics.messages);
  }
  if (succeeded(result))
    return success();
  return nodeError(node, index) << (messages.empty() ? std::string("invalid node")
                                                     : llvm::join(messages, "; "));
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  if (failed(readOpsets()))
    return nullptr;
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  builder.setInsertionPointToEnd(module->getBody());
  SmallVector<NamedAttribute> opsetAttrs;
  for (const auto &entry : opsets)
    opsetAttrs.push_back(builder.getNamedAttr(entry.first().empty() ? "ai.onnx" : entry.first(),
                                              builder.getI64IntegerAttr(entry.second)));
  (*module)->setAttr("onnx.opset_import", builder.getDictionaryAttr(opsetAttrs));
  if (!model.producer_name().empty())
    (*module)->setAttr("onnx.producer",
                       builder.getStringAttr(model.producer_name() +
                                             (model.producer_version().empty()
                                                  ? ""
                                                  : " " + model.producer_version())));

  auto func = func::FuncOp::create(builder, fileLoc, "main", builder.getFunctionType({}, {}));
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToEnd(body);
  if (failed(importInitializers()) || failed(importInputs(func, body)))
    return nullptr;

  SmallVector<int> order;
  if (failed(sortNodes(order)))
    return nullptr;
  for (int index : order)
    if (failed(importNode(model.graph().node(index), index)))
      return nullptr;

  if (model.graph().output_size() == 0)
    return emitError(fileLoc) << "the graph has no outputs", nullptr;
  SmallVector<Value> results;
  llvm::StringSet<> outputNames;
  for (const auto &output : model.graph().output()) {
    if (!outputNames.insert(output.name()).second)
      return emitError(fileLoc) << "graph output '" << output.name() << "' is listed twice",
             nullptr;
    Value v = values.lookup(output.name());
    if (!v)
      return emitError(fileLoc) << "graph output '" << output.name()
                                << "' is not produced by any node, input or initializer",
             nullptr;
    results.push_back(v);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setType(builder.getFunctionType(func.getArgumentTypes(), ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(model.graph().output()))
    func.setResultAttr(i, "onnx.name", builder.getStringAttr(output.name()));
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

} // namespace

static Location prepare(MLIRContext &context, StringRef name) {
  // Load only what the importer builds: tools register every upstream dialect for later
  // stages, and loading all of them costs more than importing a small model.
  context.getOrLoadDialect<kiln::onnx::ONNXDialect>();
  context.getOrLoadDialect<kiln::tfm::TFMDialect>();
  context.getOrLoadDialect<func::FuncDialect>();
  return FileLineColLoc::get(&context, name, 0, 0);
}

OwningOpRef<ModuleOp> kiln::importONNXModel(StringRef path, MLIRContext &context,
                                            const ImportOptions &options) {
  Location fileLoc = prepare(context, path);
  auto model = std::make_shared<::onnx::ModelProto>();
  if (failed(readModel(path, options, fileLoc, *model)))
    return nullptr;
  StringRef dir = llvm::sys::path::parent_path(path);
  return GraphImporter(context, path, dir.empty() ? "." : dir, options, model).run();
}

OwningOpRef<ModuleOp> kiln::importONNXModelFromBuffer(llvm::ArrayRef<char> bytes, StringRef name,
                                                      StringRef modelDir, MLIRContext &context,
                                                      const ImportOptions &options) {
  Location fileLoc = prepare(context, name);
  if (bytes.size() > options.maxModelBytes)
    return emitError(fileLoc) << "model of " << bytes.size() << " bytes exceeds the limit of "
                              << options.maxModelBytes << " bytes (--max-model-bytes)",
           nullptr;
  auto model = std::make_shared<::onnx::ModelProto>();
  google::protobuf::io::ArrayInputStream stream(bytes.data(), (int)bytes.size());
  if (failed(parseModel(stream, options, fileLoc, *model)))
    return nullptr;
  return GraphImporter(context, name, modelDir, options, model).run();
}
