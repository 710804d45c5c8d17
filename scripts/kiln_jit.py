"""Runs an ONNX model through Kiln's reference CPU path with mlir-runner's JIT.

kiln-compile imports the model and runs the graph pipeline; an @entry function that feeds the
given inputs as constants and prints every output is appended; kiln-opt lowers everything with
`kiln-cpu-lower-to-llvm`; mlir-runner executes it. Used by the main job (run_example.py), the
numerics tests and the node-test conformance runner until the artifact runtime and kiln-run
replace the JIT step.
"""
import os
import re
import subprocess
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("KILN_BUILD_DIR", os.path.join(ROOT, "build")), "bin")
RUNNER = "/usr/lib/llvm-22/bin/mlir-runner"
RUNNER_LIBS = ",".join("/usr/lib/llvm-22/lib/lib%s.so" % n
                       for n in ("mlir_runner_utils", "mlir_c_runner_utils"))

MLIR_ELEMENT = {np.dtype("float32"): "f32", np.dtype("float64"): "f64",
                np.dtype("float16"): "f16", np.dtype("int64"): "i64", np.dtype("int32"): "i32",
                np.dtype("int16"): "i16", np.dtype("int8"): "i8", np.dtype("bool"): "i1"}
# Output element type -> (printMemref suffix, printed element type, ONNX Cast target or None).
PRINTERS = {"f32": ("F32", "f32", None), "f64": ("F64", "f64", None),
            "f16": ("F16", "f16", None), "bf16": ("BF16", "bf16", None),
            "i64": ("I64", "i64", None), "i32": ("I32", "i32", None),
            "i16": ("I16", "i16", None),
            # printMemrefI8 prints characters: widen 8-bit and bool outputs to int32.
            "i8": ("I32", "i32", 6), "i1": ("I32", "i32", 6)}


class KilnError(Exception):
    """A stage failed: `stage` is import, harness, lower or run."""

    def __init__(self, stage, message):
        super().__init__("%s: %s" % (stage, message))
        self.stage = stage


def tool(name):
    return os.path.join(BIN, name)


def first_error(stderr):
    for line in stderr.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()[:160]
    return stderr.strip().splitlines()[0][:160] if stderr.strip() else "failed"


def _tensor_type(shape, element):
    return "tensor<%s>" % "x".join([str(d) for d in shape] + [element])


def constant_ops(name, array):
    """onnx ops defining %name as `array` exactly (raw little-endian hex), and its type."""
    element = MLIR_ELEMENT.get(array.dtype)
    if element is None:
        raise KilnError("harness", "input element type %s" % array.dtype)
    type_ = _tensor_type(array.shape, element)
    if array.size == 0:
        return ["%%%s = onnx.Constant dense<> : %s" % (name, type_)], type_
    if element != "i1":
        raw = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        return ['%%%s = onnx.Constant dense<"0x%s"> : %s' % (name, raw.hex().upper(), type_)], type_
    # Booleans have no byte-per-element hex form: a flat literal, then Reshape.
    flat = ", ".join("true" if v else "false" for v in array.reshape(-1))
    shape = ", ".join(str(d) for d in array.shape)
    return ["%%%s_flat = onnx.Constant dense<[%s]> : tensor<%dxi1>" % (name, flat, array.size),
            "%%%s_shape = onnx.Constant dense<[%s]> : tensor<%dxi64>" % (name, shape, array.ndim),
            "%%%s = onnx.Reshape %%%s_flat, %%%s_shape : (tensor<%dxi1>, tensor<%dxi64>) -> %s"
            % (name, name, name, array.size, array.ndim, type_)], type_


def entry_function(arg_types, result_types, inputs):
    """An @entry that calls @main on constant `inputs` and prints every output."""
    body, args, used = ["func.func @entry() {"], [], set()
    for k, array in enumerate(inputs):
        ops, type_ = constant_ops("c%d" % k, array)
        body += ["  " + op for op in ops]
        body.append("  %%a%d = tensor.cast %%c%d : %s to %s" % (k, k, type_, arg_types[k]))
        args.append("%%a%d" % k)
    body.append("  %%r:%d = call @main(%s) : (%s) -> (%s)" % (
        len(result_types), ", ".join(args), ", ".join(arg_types), ", ".join(result_types)))
    for j, type_ in enumerate(result_types):
        element = type_[len("tensor<"):-1].split("x")[-1]
        if element not in PRINTERS:
            raise KilnError("harness", "output element type %s" % element)
        fn, printed, cast_to = PRINTERS[element]
        value = "%%r#%d" % j
        if cast_to is not None:
            cast_type = type_[:len(type_) - len(element) - 1] + printed + ">"
            body.append("  %%p%d = onnx.Cast %s {to = %d : i64} : (%s) -> %s"
                        % (j, value, cast_to, type_, cast_type))
            value, type_ = "%%p%d" % j, cast_type
        body.append("  %%u%d = tensor.cast %s : %s to tensor<*x%s>" % (j, value, type_, printed))
        body.append("  call @printMemref%s(%%u%d) : (tensor<*x%s>) -> ()" % (fn, j, printed))
        used.add((fn, printed))
    body += ["  return", "}"]
    decls = ["func.func private @printMemref%s(tensor<*x%s>) attributes {llvm.emit_c_interface}"
             % u for u in sorted(used)]
    return "\n".join(decls + body)


def parse_printed(text, shape):
    """The values of one printMemref output, shaped like the expected output."""
    data = text.split("data =", 1)[1]
    tokens = re.findall(r"-?nan|-?inf|-?\d+(?:\.\d*)?(?:e[-+]?\d+)?", data)
    values = np.array([float(t) for t in tokens], np.float64)
    if values.size != int(np.prod(shape)):
        raise KilnError("run", "printed %d values, expected %d" % (values.size, np.prod(shape)))
    return values.reshape(shape)


def _run(args, stage, timeout=600):
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise KilnError(stage, "timeout after %d s" % timeout)
    if r.returncode:
        raise KilnError(stage, "exit %d: %s" % (r.returncode, first_error(r.stderr)))
    return r.stdout


def compile_and_run(model_path, inputs, output_shapes):
    """Runs the model on `inputs` (arrays in graph-input order). Returns the outputs (float64,
    shaped as `output_shapes`) and the seconds each stage took."""
    timings = {}
    start = time.perf_counter()
    ir = _run([tool("kiln-compile"), model_path, "--emit=onnx", "-o", "-"], "import")
    timings["import + graph passes"] = time.perf_counter() - start
    signature = re.search(r"func\.func @main\((.*?)\) -> \(?(.*?)\)? \{\n", ir)
    arg_types = re.findall(r"%arg\d+: (tensor<[^>]*>)", signature.group(1))
    result_types = re.findall(r"(tensor<[^>]*>)", signature.group(2))
    if len(arg_types) != len(inputs) or len(result_types) != len(output_shapes):
        raise KilnError("harness", "optional inputs/outputs")
    entry = entry_function(arg_types, result_types, inputs)
    end = ir.rfind("\n}\n")
    with tempfile.TemporaryDirectory() as tmp:
        source, lowered = os.path.join(tmp, "m.mlir"), os.path.join(tmp, "m.ll.mlir")
        with open(source, "w") as f:
            f.write(ir[:end] + "\n" + entry + ir[end:])
        start = time.perf_counter()
        _run([tool("kiln-opt"), source, "--pass-pipeline=builtin.module(kiln-cpu-lower-to-llvm)",
              "-o", lowered], "lower")
        timings["lowering to LLVM"] = time.perf_counter() - start
        start = time.perf_counter()
        out = _run([RUNNER, lowered, "-e", "entry", "-entry-point-result=void",
                    "-shared-libs=" + RUNNER_LIBS], "run")
        timings["JIT compile + run"] = time.perf_counter() - start
    printed = out.split("Memref")[1:]
    if len(printed) != len(output_shapes):
        raise KilnError("run", "printed %d outputs, expected %d" % (len(printed), len(output_shapes)))
    outputs = [np.zeros(s) if int(np.prod(s)) == 0 else parse_printed(t, s)
               for t, s in zip(printed, output_shapes)]
    return outputs, timings
