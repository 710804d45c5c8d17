#!/usr/bin/env python3
"""Generates the ODS definitions and the importer schema table of Kiln's `onnx` dialect.

Operator names, inputs, outputs, attributes, type constraints and version histories are facts
taken from the operator schemas that the `onnx` Python package (standard domain) and
`onnxruntime` (the `com.microsoft` contrib ops) register. The one-line summaries below are ours.

Outputs (both committed; `test/Dialect/ONNX/generated-up-to-date.test` checks they match):
  dialects/ONNX/ONNXOps.gen.td     ODS op definitions, included by ONNXOps.td
  dialects/ONNX/ONNXSchemas.gen.inc  the table the importer uses to map NodeProtos onto ops

Usage: .venv/bin/python dialects/ONNX/gen_onnx_ops.py [--check]
"""
import argparse
import difflib
import os
import sys

import onnx
import onnx.defs

HERE = os.path.dirname(os.path.abspath(__file__))

# (domain, op type) -> our one-line summary. The order here is the order in the generated files.
OPS = {
    ("", "Abs"): "elementwise absolute value",
    ("", "Add"): "elementwise addition with multidirectional broadcasting",
    ("", "And"): "elementwise logical and with broadcasting",
    ("", "Attention"): "scaled dot-product attention (ONNX standard op, opset 23+)",
    ("", "Cast"): "elementwise conversion to the element type named by `to`",
    ("", "CastLike"): "elementwise conversion to the element type of a second tensor",
    ("", "Ceil"): "elementwise rounding towards positive infinity",
    ("", "Clip"): "elementwise clamp between optional min and max scalars",
    ("", "Concat"): "concatenation of tensors along one axis",
    ("", "ConstantOfShape"): "a tensor of a given (runtime) shape filled with one value",
    ("", "Conv"): "N-dimensional convolution with optional bias",
    ("", "Cos"): "elementwise cosine",
    ("", "CumSum"): "cumulative sum along an axis",
    ("", "Div"): "elementwise division with broadcasting",
    ("", "Dropout"): "dropout; the identity at inference time",
    ("", "Einsum"): "Einstein summation over the operands",
    ("", "Equal"): "elementwise equality with broadcasting",
    ("", "Erf"): "elementwise Gauss error function",
    ("", "Exp"): "elementwise natural exponential",
    ("", "Expand"): "broadcast a tensor to a (runtime) shape",
    ("", "Flatten"): "reshape to 2-D, splitting the dimensions at `axis`",
    ("", "Floor"): "elementwise rounding towards negative infinity",
    ("", "Gather"): "gather slices of `data` along `axis` at `indices`",
    ("", "GatherElements"): "gather single elements along `axis` at `indices`",
    ("", "GatherND"): "gather slices of `data` at index tuples (the last dim of `indices`)",
    ("", "Gelu"): "Gaussian error linear unit, exact (erf) or tanh-approximated",
    ("", "Gemm"): "general matrix multiply: alpha * op(A) * op(B) + beta * C",
    ("", "Greater"): "elementwise greater-than with broadcasting",
    ("", "GreaterOrEqual"): "elementwise greater-or-equal with broadcasting",
    ("", "GroupNormalization"): "normalisation over groups of channels, then a per-channel affine",
    ("", "Identity"): "the identity",
    ("", "InstanceNormalization"): "normalisation over the spatial dims of each channel, then a per-channel affine",
    ("", "IsNaN"): "elementwise test for NaN",
    ("", "LayerNormalization"): "layer normalisation over the trailing axes from `axis`",
    ("", "Less"): "elementwise less-than with broadcasting",
    ("", "LessOrEqual"): "elementwise less-or-equal with broadcasting",
    ("", "Log"): "elementwise natural logarithm",
    ("", "LogSoftmax"): "log of softmax along one axis",
    ("", "MatMul"): "matrix product with numpy semantics (batched, broadcast)",
    ("", "Max"): "elementwise maximum of all operands with broadcasting",
    ("", "Min"): "elementwise minimum of all operands with broadcasting",
    ("", "Mod"): "elementwise remainder with broadcasting (floor or, with fmod, truncated)",
    ("", "Mul"): "elementwise multiplication with broadcasting",
    ("", "Neg"): "elementwise negation",
    ("", "Not"): "elementwise logical not",
    ("", "Or"): "elementwise logical or with broadcasting",
    ("", "Pad"): "padding with a constant, reflected or replicated border",
    ("", "Pow"): "elementwise power with broadcasting",
    ("", "RMSNormalization"): "root-mean-square normalisation (opset 23+)",
    ("", "Range"): "a 1-D sequence start, start+delta, ... below limit",
    ("", "Reciprocal"): "elementwise reciprocal",
    ("", "ReduceL2"): "L2 norm over the given axes",
    ("", "ReduceMax"): "maximum over the given axes",
    ("", "ReduceMean"): "mean over the given axes",
    ("", "ReduceMin"): "minimum over the given axes",
    ("", "ReduceProd"): "product over the given axes",
    ("", "ReduceSum"): "sum over the given axes",
    ("", "ReduceSumSquare"): "sum of squares over the given axes",
    ("", "Relu"): "elementwise rectified linear unit",
    ("", "Reshape"): "reshape to a (runtime) shape; 0 copies a dim, -1 infers one",
    ("", "RotaryEmbedding"): "rotary position embedding (opset 23+)",
    ("", "ScatterElements"): "`data` with single elements along `axis` replaced (or reduced) by `updates`",
    ("", "ScatterND"): "`data` with slices at index tuples replaced (or reduced) by `updates`",
    ("", "Shape"): "the shape of a tensor as a 1-D int64 tensor, optionally sliced",
    ("", "Sigmoid"): "elementwise logistic sigmoid",
    ("", "Sign"): "elementwise sign: -1, 0 or 1",
    ("", "Sin"): "elementwise sine",
    ("", "Size"): "the number of elements of a tensor as an int64 scalar",
    ("", "Slice"): "strided slice along the given axes",
    ("", "Softmax"): "softmax along one axis",
    ("", "Split"): "split a tensor into several along one axis",
    ("", "Sqrt"): "elementwise square root",
    ("", "Squeeze"): "remove dimensions of size one",
    ("", "Sub"): "elementwise subtraction with broadcasting",
    ("", "Sum"): "elementwise sum of all operands with broadcasting",
    ("", "Tanh"): "elementwise hyperbolic tangent",
    ("", "Tile"): "repeat a tensor along each axis",
    ("", "Transpose"): "permutation of the dimensions",
    ("", "Trilu"): "the lower or upper triangle of the trailing two dimensions",
    ("", "Unsqueeze"): "insert dimensions of size one",
    ("", "Where"): "elementwise select with broadcasting",
    # ONNX Runtime registers this one in the standard domain.
    ("", "SimplifiedLayerNormalization"): "RMS normalisation (ONNX Runtime contrib op)",
    ("com.microsoft", "Attention"): "packed-QKV multi-head attention (ONNX Runtime contrib op)",
    ("com.microsoft", "BiasGelu"): "GELU of input plus bias (ONNX Runtime contrib op)",
    ("com.microsoft", "EmbedLayerNormalization"): "word + position + segment embeddings then layer normalisation, and the mask's lengths (ONNX Runtime contrib op)",
    ("com.microsoft", "FastGelu"): "tanh-approximated GELU with optional bias (ONNX Runtime contrib op)",
    ("com.microsoft", "Gelu"): "exact GELU (ONNX Runtime contrib op)",
    ("com.microsoft", "GroupQueryAttention"): "grouped-query attention with KV cache (ONNX Runtime contrib op)",
    ("com.microsoft", "MultiHeadAttention"): "multi-head attention on separate Q, K, V (ONNX Runtime contrib op)",
    ("com.microsoft", "RotaryEmbedding"): "rotary position embedding (ONNX Runtime contrib op)",
    ("com.microsoft", "SkipLayerNormalization"): "residual add then layer normalisation (ONNX Runtime contrib op)",
    ("com.microsoft", "SkipSimplifiedLayerNormalization"): "residual add then RMS normalisation (ONNX Runtime contrib op)",
}

# Ops with a C++ folder (constant folding, shape-computation chains) in ONNXFolders.cpp.
FOLDABLE = {"Add", "Sub", "Mul", "Div", "Mod", "Neg", "Cast", "Concat", "ConstantOfShape", "Equal",
            "Gather", "Identity", "Range", "Reshape", "Shape", "Size", "Slice", "Squeeze",
            "Unsqueeze", "Where", "Expand", "Less", "Greater", "Not", "Sqrt", "Max", "Min",
            "CastLike", "Flatten"}

# Ops with canonicalisation patterns in ONNXCanonicalize.cpp.
CANONICALIZED = {"Dropout", "Reshape", "Transpose"}

ELEMENT_TYPES = {
    "tensor(float)": "F32", "tensor(float16)": "F16", "tensor(bfloat16)": "BF16",
    "tensor(double)": "F64", "tensor(bool)": "I1", "tensor(int8)": "I8", "tensor(int16)": "I16",
    "tensor(int32)": "I32", "tensor(int64)": "I64", "tensor(uint8)": "UI8",
    "tensor(uint16)": "UI16", "tensor(uint32)": "UI32", "tensor(uint64)": "UI64",
}

MAX_OPSET = onnx.defs.onnx_opset_version()


class Param:
    def __init__(self, name, option, type_str):
        self.name, self.option, self.type_str = name, option, type_str


class Attr:
    def __init__(self, name, kind, required, default):
        self.name, self.kind, self.required, self.default = name, kind, required, default


class Schema:
    """The newest schema of one op, in a form common to onnx and onnxruntime."""

    def __init__(self, domain, name, versions, inputs, outputs, attrs, constraints):
        self.domain, self.name, self.versions = domain, name, versions
        self.inputs, self.outputs, self.attrs = inputs, outputs, attrs
        self.constraints = constraints  # type var -> [type strings]


def option_name(option):
    return {0: "Single", 1: "Optional", 2: "Variadic"}[int(option.value)]


def load_onnx_schema(name):
    history = [s for s in onnx.defs.get_all_schemas_with_history() if s.name == name and s.domain == ""]
    versions = sorted({s.since_version for s in history})
    s = onnx.defs.get_schema(name, MAX_OPSET)
    attrs = [Attr(a.name, a.type.name, a.required, a.default_value if a.default_value.type else None)
             for a in s.attributes.values()]
    return Schema("", name, versions,
                  [Param(p.name, option_name(p.option), p.type_str) for p in s.inputs],
                  [Param(p.name, option_name(p.option), p.type_str) for p in s.outputs],
                  attrs, {t.type_param_str: list(t.allowed_type_strs) for t in s.type_constraints})


def load_ort_schema(domain, name, ort_schemas):
    matches = [s for s in ort_schemas if s.name == name and s.domain == domain]
    s = max(matches, key=lambda s: s.since_version)
    attrs = []
    for a in s.attributes.values():
        default = onnx.AttributeProto.FromString(a._default_value) if a._default_value else None
        if default is not None and not default.type:
            default = None
        attrs.append(Attr(a.name, a.type.name, a.required, default))
    return Schema(domain, name, sorted({m.since_version for m in matches}),
                  [Param(p.name, option_name(p.option), p.typeStr) for p in s.inputs],
                  [Param(p.name, option_name(p.option), p.typeStr) for p in s.outputs],
                  attrs, {t.type_param_str: list(t.allowed_type_strs) for t in s.type_constraints})


def load_schemas():
    import onnxruntime.capi.onnxruntime_pybind11_state as ort
    ort_schemas = ort.get_all_operator_schema()
    schemas = []
    for domain, name in OPS:
        if domain == "" and name != "SimplifiedLayerNormalization":
            schemas.append(load_onnx_schema(name))
        else:
            schemas.append(load_ort_schema(domain, name, ort_schemas))
    return schemas


def cpp_class(s):
    return ("MS" if s.domain == "com.microsoft" else "") + s.name + "Op"


def mnemonic(s):
    return ("com.microsoft." if s.domain == "com.microsoft" else "") + s.name


def ods_name(name):
    """ONNX parameter and attribute names as valid, non-clashing ODS identifiers."""
    n = name.replace(".", "_")
    if n in ("operands", "results", "attributes", "properties", "type", "loc", "context",
             "operation", "odsState", "odsBuilder"):
        n = n + "_"
    return n


def ods_type(s, param):
    allowed = s.constraints.get(param.type_str, [param.type_str])
    elems = [ELEMENT_TYPES[t] for t in allowed if t in ELEMENT_TYPES]
    if not elems:
        return "AnyTensor"
    return "TensorOf<[%s]>" % ", ".join(dict.fromkeys(elems))


def ods_attr(a):
    base = {"INT": "I64Attr", "FLOAT": "F32Attr", "STRING": "StrAttr", "INTS": "DenseI64ArrayAttr",
            "FLOATS": "DenseF32ArrayAttr", "STRINGS": "StrArrayAttr", "TENSOR": "ElementsAttr"}.get(a.kind)
    if base is None:
        return None
    if a.required:
        return base
    d = a.default
    if d is not None and a.kind == "INT":
        return 'DefaultValuedAttr<%s, "%d">' % (base, d.i)
    if d is not None and a.kind == "FLOAT":
        return 'DefaultValuedAttr<%s, "%s">' % (base, repr(float(d.f)))
    if d is not None and a.kind == "STRING":
        return 'DefaultValuedAttr<%s, "\\"%s\\"">' % (base, d.s.decode())
    return "OptionalAttr<%s>" % base


def assembly_format(s):
    parts, first = [], True
    for p in s.inputs:
        n = ods_name(p.name)
        if p.option == "Optional":
            parts.append("(`%s` `(` $%s^ `)`)?" % (n, n))
            continue
        if not first:
            parts.append("`,`")
        parts.append("$" + n)
        first = False
    parts.append("attr-dict `:` functional-type(operands, results)")
    return " ".join(parts)


def gen_op(s, summary):
    traits = ["Pure", "DeclareOpInterfaceMethods<ONNX_ShapeInferenceOpInterface>"]
    non_single = [p for p in s.inputs if p.option != "Single"]
    if len(non_single) > 1:
        traits.append("AttrSizedOperandSegments")
    if len({p.type_str for p in s.inputs}) == 1 and s.inputs[0].type_str in s.constraints and \
            (len(s.inputs) > 1 or s.inputs[0].option == "Variadic"):
        traits.append("SameOperandsElementType")
    if any(p.option == "Variadic" for p in s.inputs):
        traits.append("ONNX_VariadicOperandsNotEmpty")
    args = []
    for p in s.inputs:
        t = ods_type(s, p)
        if p.option == "Optional":
            t = "Optional<%s>" % t
        elif p.option == "Variadic":
            t = "Variadic<%s>" % t
        args.append("%s:$%s" % (t, ods_name(p.name)))
    skipped = []
    for a in s.attrs:
        t = ods_attr(a)
        if t is None:
            skipped.append(a.name)
            continue
        args.append("%s:$%s" % (t, ods_name(a.name)))
    results = []
    for p in s.outputs:
        t = ods_type(s, p)
        # Optional results are always materialised (unused ones are dead values), so only
        # Split's variadic output needs a segment.
        if p.option == "Variadic":
            t = "Variadic<%s>" % t
        results.append("%s:$%s" % (t, ods_name(p.name)))
    doc_url = ("https://onnx.ai/onnx/operators/onnx__%s.html" % s.name if s.domain == "" and
               s.name != "SimplifiedLayerNormalization" else
               "https://github.com/microsoft/onnxruntime/blob/main/docs/ContribOperators.md")
    operands = ", ".join("%%%s" % ods_name(p.name) for p in s.inputs if p.option != "Optional")
    example = "%%r = onnx.%s %s : (...) -> ..." % (mnemonic(s), operands)
    notes = ""
    if skipped:
        notes = ("\n    Attributes not modelled (the importer rejects nodes that set them): %s.\n"
                 % ", ".join(skipped))
    lines = [
        'def ONNX_%s : ONNX_Op<"%s", [%s]> {' % (cpp_class(s), mnemonic(s), ", ".join(traits)),
        '  let summary = "%s";' % summary,
        "  let description = [{",
        "    The `%s` operator of domain `%s`, versions %s; the operands, attributes and "
        "results follow the newest version. Semantics: %s. Older opsets are normalised to this "
        "form by the importer; Kiln's shape inference is in ONNXShapeInference.cpp.%s"
        % (s.name, s.domain or "ai.onnx", ", ".join(map(str, s.versions)), doc_url, notes),
        "",
        "    Example:",
        "    ```mlir",
        "    " + example,
        "    ```",
        "  }];",
        "  let arguments = (ins%s);" % ("\n    " + ",\n    ".join(args) if args else ""),
        "  let results = (outs%s);" % ("\n    " + ",\n    ".join(results)),
        "  let assemblyFormat = \"%s\";" % assembly_format(s).replace('"', '\\"'),
    ]
    if s.name in FOLDABLE and s.domain == "":
        lines.append("  let hasFolder = 1;")
    if s.name in CANONICALIZED and s.domain == "":
        lines.append("  let hasCanonicalizer = 1;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def gen_td(schemas):
    out = ["// Generated by dialects/ONNX/gen_onnx_ops.py from the onnx %s and onnxruntime operator"
           % onnx.__version__,
           "// schemas. Do not edit: change the script and re-run it.", "",
           "#ifndef KILN_ONNX_OPS_GEN_TD", "#define KILN_ONNX_OPS_GEN_TD", ""]
    for s in schemas:
        out.append(gen_op(s, OPS[(s.domain, s.name)]))
    out.append("#endif // KILN_ONNX_OPS_GEN_TD")
    return "\n".join(out) + "\n"


def gen_inc(schemas):
    out = ["// Generated by dialects/ONNX/gen_onnx_ops.py. Do not edit.",
           "// KILN_ONNX_SCHEMA(domain, opType, opName, versions, inputs, outputs, attributes)",
           "//   versions: the since-versions of the op, ascending;",
           "//   inputs/outputs: {name, Single|Optional|Variadic};",
           "//   attributes: {onnx name, MLIR name, kind, required}.", "",
           "#define KILN_MAX_ONNX_OPSET %d" % MAX_OPSET, ""]
    for s in schemas:
        ins = ", ".join('{"%s", ParamKind::%s}' % (p.name, p.option) for p in s.inputs)
        outs = ", ".join('{"%s", ParamKind::%s}' % (p.name, p.option) for p in s.outputs)
        attrs = ", ".join('{"%s", "%s", AttrKind::%s, %s}' % (
            a.name, ods_name(a.name), a.kind.capitalize() if ods_attr(a) else "Unsupported",
            "true" if a.required else "false") for a in s.attrs)
        out.append('KILN_ONNX_SCHEMA("%s", "%s", "onnx.%s", KILN_LIST(%s),\n'
                   "                 KILN_LIST(%s),\n                 KILN_LIST(%s),\n"
                   "                 KILN_LIST(%s))"
                   % (s.domain, s.name, mnemonic(s), ", ".join(map(str, s.versions)), ins, outs, attrs))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if the committed files are stale")
    args = ap.parse_args()
    schemas = load_schemas()
    outputs = {os.path.join(HERE, "ONNXOps.gen.td"): gen_td(schemas),
               os.path.join(HERE, "ONNXSchemas.gen.inc"): gen_inc(schemas)}
    stale = False
    for path, text in outputs.items():
        old = open(path).read() if os.path.exists(path) else ""
        if old == text:
            continue
        if args.check:
            stale = True
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                                       path, path + " (regenerated)", n=1))
        else:
            with open(path, "w") as f:
                f.write(text)
    if stale:
        print("generated files are stale: run dialects/ONNX/gen_onnx_ops.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
