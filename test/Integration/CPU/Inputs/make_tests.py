"""Writes the CPU execution tests of test/Integration/CPU: each lowers an onnx function with
kiln-cpu-lower-to-llvm, runs it with mlir-runner and checks the printed numbers against values
numpy computes here (float64 on the f32/f16 inputs, rounded once to the result type).

Run with the project's venv from this directory: `../../../../.venv/bin/python make_tests.py`.
The inputs below are the single source of both the MLIR constants and the expected values.
"""
import math
import os

import numpy as np

F32, F16, I64, BOOL = np.float32, np.float16, np.int64, np.bool_
MLIR_TYPE = {F32: "f32", F16: "f16", I64: "i64", BOOL: "i1"}
PRINTER = {F32: ("printMemrefF32", "f32"), I64: ("printMemrefI64", "i64")}
HERE = os.path.dirname(os.path.abspath(__file__))


def tensor_type(shape, dtype):
    dims = "".join(f"{'?' if d is None else d}x" for d in shape)
    return f"tensor<{dims}{MLIR_TYPE[dtype]}>"


def literal(a):
    if a.ndim == 0:
        v = a.item()
        if isinstance(v, bool):
            return "true" if v else "false"
        if a.dtype.kind == "f":  # the shortest decimal that rounds back to the same value
            return np.format_float_positional(a[()], unique=True, trim="0")
        return str(v)
    return "[" + ", ".join(literal(x) for x in a) + "]"


def fmt(v, dtype):
    # printMemref prints with std::ostream defaults: %g (6 significant digits) for floats.
    return "%d" % v if dtype == I64 else "%g" % float(v)


# A computed value may differ from numpy's correctly rounded one: the kernel's f32 arithmetic
# (libm, summation order) lands within a few f32 ulps of the exact value, and an f16 result is
# that rounded to f16 once. Accepted: every value of the result's rounding type no farther from
# the exact value than the correctly rounded one plus SLACK_F32_ULPS f32 ulps.
SLACK_F32_ULPS = 4


def accepted(exact, dtype, ulp_type, abs_slack):
    """The printed forms of every acceptable result for the float64 `exact`."""
    rounded = ulp_type(exact)
    if dtype == I64 or exact == 0 or not np.isfinite(exact):
        return [fmt(rounded, dtype)]
    f32_ulp = float(np.spacing(np.float32(abs(exact))))
    limit = abs(float(rounded) - exact) + SLACK_F32_ULPS * f32_ulp + abs_slack
    forms = set()
    for direction in (-np.inf, np.inf):
        x = rounded
        while abs(float(x) - exact) <= limit:
            forms.add(fmt(x, dtype))
            x = np.nextafter(x, ulp_type(direction))
    return sorted(forms, key=float)


def check_lines(a, dtype, ulp_type, abs_slack):
    """CHECK lines matching printMemref's output of `a` (rows of the last dim)."""
    strides, s = [], 1
    for d in reversed(a.shape):
        strides.insert(0, s)
        s *= d
    lines = [f"// CHECK: rank = {a.ndim} offset = 0 sizes = [{', '.join(map(str, a.shape))}] "
             f"strides = [{', '.join(map(str, strides))}] data ="]
    lead = a.shape[:-1] if a.ndim else ()
    rows = list(np.ndindex(*lead)) if lead else [()]
    for n, idx in enumerate(rows):
        opens = 1
        for d in reversed(range(len(idx))):
            if idx[d] != 0:
                break
            opens += 1
        closes = 1
        for d in reversed(range(len(idx))):
            if idx[d] != lead[d] - 1:
                break
            closes += 1
        values = [accepted(v, dtype, ulp_type, abs_slack) for v in np.atleast_1d(a[idx])]
        tail = "," if n + 1 < len(rows) else ""
        if all(len(forms) == 1 for forms in values):
            body = ", ".join(forms[0] for forms in values)
            lines.append(f"// CHECK-NEXT{{LITERAL}}: {'[' * opens}{body}{']' * closes}{tail}")
            continue
        # Either printed form of a value near a rounding boundary; `[[` would start a variable.
        body = ", ".join(
            forms[0] if len(forms) == 1
            else "{{(" + "|".join(f.replace(".", "\\.").replace("+", "\\+") for f in forms) + ")}}"
            for forms in values)
        opening = "[" if opens == 1 else "{{" + "\\[" * opens + "}}"
        lines.append(f"// CHECK-NEXT: {opening}{body}{']' * closes}{tail}")
    return lines


class Test:
    def __init__(self, name, summary):
        self.name, self.summary = name, summary
        self.inputs = []   # (name, array, arg shape)
        self.results = []  # (expected array, dtype, result shape, label)
        self.body = []

    def input(self, name, values, dtype=F32, arg_shape=None):
        a = np.array(values, dtype=dtype)
        self.inputs.append((name, a, arg_shape if arg_shape is not None else a.shape))
        return a

    def op(self, line):
        self.body.append(line)

    def result(self, value_name, exact, dtype, label, result_shape=None, ulp_type=F32,
               abs_slack=0.0):
        """`exact`: numpy's float64 (or integer) value; `ulp_type`: the type the kernel rounds
        its result to (f16 for f16 ops; they are cast to f32 only to be printed); `abs_slack`:
        an absolute error allowed on top of SLACK_F32_ULPS."""
        exact = np.asarray(exact, dtype=np.int64 if dtype == I64 else np.float64)
        shape = result_shape if result_shape is not None else exact.shape
        self.results.append((value_name, exact, dtype, shape, label, ulp_type, abs_slack))

    def write(self):
        args = ", ".join(f"%{n}: {tensor_type(s, a.dtype.type)}" for n, a, s in self.inputs)
        res_types = [tensor_type(s, d) for _, _, d, s, *_ in self.results]
        out = [
            "// RUN: kiln-opt %s --pass-pipeline='builtin.module(kiln-cpu-lower-to-llvm)' \\",
            "// RUN:   | mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_libs \\",
            "// RUN:   | FileCheck %s",
            "// REQUIRES: mlir-runner",
        ]
        out += [f"// {line}" for line in self.summary.strip().splitlines()]
        out += ["// Generated by Inputs/make_tests.py; the expected values are numpy's.", ""]
        for value_name, expected, dtype, _, label, ulp_type, abs_slack in self.results:
            out.append(f"// {label}")
            out += check_lines(expected, dtype, ulp_type, abs_slack)
        out.append("")
        out.append(f"func.func @main({args}) -> ({', '.join(res_types)}) {{")
        out += [f"  {line}" for line in self.body]
        names = ", ".join(f"%{v}" for v, *_ in self.results)
        out.append(f"  return {names} : {', '.join(res_types)}")
        out.append("}")
        out.append("")
        printers = sorted({PRINTER[d] for _, _, d, *_ in self.results})
        for fn, elt in printers:
            out.append(f"func.func private @{fn}(tensor<*x{elt}>)")
        out.append("")
        out.append("func.func @entry() {")
        call_args = []
        for n, a, s in self.inputs:
            static = tensor_type(a.shape, a.dtype.type)
            out.append(f"  %{n} = onnx.Constant dense<{literal(a)}> : {static}")
            if tuple(s) != a.shape:
                out.append(f"  %{n}_dyn = tensor.cast %{n} : {static} to "
                           f"{tensor_type(s, a.dtype.type)}")
                call_args.append(f"%{n}_dyn")
            else:
                call_args.append(f"%{n}")
        arg_types = ", ".join(tensor_type(s, a.dtype.type) for _, a, s in self.inputs)
        rs = ", ".join(f"%r{i}" for i in range(len(self.results)))
        out.append(f"  {rs} = call @main({', '.join(call_args)}) : ({arg_types}) -> "
                   f"({', '.join(res_types)})")
        for i, (_, _, dtype, s, *_) in enumerate(self.results):
            fn, elt = PRINTER[dtype]
            out.append(f"  %u{i} = tensor.cast %r{i} : {res_types[i]} to tensor<*x{elt}>")
            out.append(f"  call @{fn}(%u{i}) : (tensor<*x{elt}>) -> ()")
        out.append("  return")
        out.append("}")
        with open(os.path.join(HERE, "..", self.name + ".mlir"), "w") as f:
            f.write("\n".join(out) + "\n")


def f64(a):
    return np.asarray(a).astype(np.float64)


def ty(a):
    return tensor_type(a.shape, a.dtype.type)


def binary():
    t = Test("elementwise-binary",
             "Broadcasting binary arithmetic: rank-extended, static-1 dims on both sides, a\n"
             "scalar; Div, Pow, Max, Min in f32 and truncating integer Div.")
    a = t.input("a", [[0.1, 0.2, 0.3], [-1.0, 0.5, 2.0]])
    b = t.input("b", [3.0, -0.5, 7.0])
    c = t.input("c", [[0.25], [-2.0]])
    d = t.input("d", [[1.5, -0.75, 4.0]])
    s = t.input("s", 2.5)
    p = t.input("p", [[1.5, 4.0, 0.2], [9.0, 2.0, 3.0]])
    e = t.input("e", [[2.0, 0.5, -1.0]])
    i = t.input("i", [7, -7, 9, -9], I64)
    j = t.input("j", [2, 2, -4, -4], I64)
    t.op(f"%add = onnx.Add %a, %b : ({ty(a)}, {ty(b)}) -> tensor<2x3xf32>")
    t.op(f"%sub = onnx.Sub %c, %d : ({ty(c)}, {ty(d)}) -> tensor<2x3xf32>")
    t.op(f"%mul = onnx.Mul %a, %s : ({ty(a)}, {ty(s)}) -> tensor<2x3xf32>")
    t.op(f"%div = onnx.Div %a, %b : ({ty(a)}, {ty(b)}) -> tensor<2x3xf32>")
    t.op(f"%pow = onnx.Pow %p, %e : ({ty(p)}, {ty(e)}) -> tensor<2x3xf32>")
    t.op(f"%max = onnx.Max %a, %c : ({ty(a)}, {ty(c)}) -> tensor<2x3xf32>")
    t.op(f"%min = onnx.Min %a, %b : ({ty(a)}, {ty(b)}) -> tensor<2x3xf32>")
    t.op(f"%idiv = onnx.Div %i, %j : ({ty(i)}, {ty(j)}) -> tensor<4xi64>")
    t.result("add", f64(a) + f64(b), F32, "Add [2,3] + [3]")
    t.result("sub", f64(c) - f64(d), F32, "Sub [2,1] - [1,3]")
    t.result("mul", f64(a) * f64(s), F32, "Mul [2,3] * scalar")
    t.result("div", f64(a) / f64(b), F32, "Div [2,3] / [3]")
    t.result("pow", np.power(f64(p), f64(e)), F32, "Pow [2,3] ^ [1,3]")
    t.result("max", np.maximum(f64(a), f64(c)), F32, "Max [2,3], [2,1]")
    t.result("min", np.minimum(f64(a), f64(b)), F32, "Min [2,3], [3]")
    # onnx integer Div truncates toward zero (the reference computes a / b and casts back).
    t.result("idiv", np.trunc(f64(i) / f64(j)), I64, "integer Div truncates toward zero")
    t.write()


def unary():
    t = Test("elementwise-unary", "The float unary ops, on values around zero and positives.")
    x = t.input("x", [-2.5, -0.5, 0.0, 0.3, 1.0, 2.7])
    p = t.input("p", [0.01, 0.5, 1.0, 2.0, 10.0, 1234.5])
    xt, pt = ty(x), ty(p)
    X, P = f64(x), f64(p)
    erf = np.vectorize(math.erf)
    ops = [
        ("Erf", "x", erf(X)), ("Tanh", "x", np.tanh(X)), ("Sigmoid", "x", 1 / (1 + np.exp(-X))),
        ("Exp", "x", np.exp(X)), ("Relu", "x", np.maximum(X, 0)), ("Abs", "x", np.abs(X)),
        ("Neg", "x", -X), ("Floor", "x", np.floor(X)), ("Ceil", "x", np.ceil(X)),
        ("Sin", "x", np.sin(X)), ("Cos", "x", np.cos(X)),
        ("Log", "p", np.log(P)), ("Sqrt", "p", np.sqrt(P)), ("Reciprocal", "p", 1 / P),
    ]
    for name, arg, expected in ops:
        v = name.lower()
        t.op(f"%{v} = onnx.{name} %{arg} : ({xt if arg == 'x' else pt}) -> tensor<6xf32>")
        t.result(v, expected, F32, name)
    t.write()


def where_cast():
    t = Test("where-cast",
             "Less + Where with broadcasting; Cast f32 -> i64 (truncating) -> f32, bool -> f32\n"
             "and f32 -> bool.")
    a = t.input("a", [[0.1, 0.2, 0.3], [-1.0, 0.5, 2.0]])
    b = t.input("b", [0.15, 0.5, 0.0])
    x = t.input("x", [-2.7, -0.5, 0.0, 1.5, 2.9, 123456.75])
    z = t.input("z", [0.0, -0.0, 0.5, -3.0])
    t.op(f"%less = onnx.Less %a, %b : ({ty(a)}, {ty(b)}) -> tensor<2x3xi1>")
    t.op(f"%where = onnx.Where %less, %a, %b : (tensor<2x3xi1>, {ty(a)}, {ty(b)}) -> tensor<2x3xf32>")
    t.op("%lessf = onnx.Cast %less {to = 1 : i64} : (tensor<2x3xi1>) -> tensor<2x3xf32>")
    t.op(f"%int = onnx.Cast %x {{to = 7 : i64}} : ({ty(x)}) -> tensor<6xi64>")
    t.op("%back = onnx.Cast %int {to = 1 : i64} : (tensor<6xi64>) -> tensor<6xf32>")
    t.op(f"%nz = onnx.Cast %z {{to = 9 : i64}} : ({ty(z)}) -> tensor<4xi1>")
    t.op("%nzf = onnx.Cast %nz {to = 1 : i64} : (tensor<4xi1>) -> tensor<4xf32>")
    less = f64(a) < f64(b)
    t.result("where", np.where(less, f64(a), f64(b)), F32, "Where(Less(a, b), a, b)")
    t.result("lessf", less.astype(np.float64), F32, "Cast bool -> f32")
    ints = np.trunc(f64(x)).astype(np.int64)
    t.result("int", ints, I64, "Cast f32 -> i64 truncates toward zero")
    t.result("back", ints.astype(np.float64), F32, "Cast i64 -> f32")
    t.result("nzf", (f64(z) != 0).astype(np.float64), F32, "Cast f32 -> bool -> f32")
    t.write()


def matmul():
    t = Test("matmul",
             "MatMul 2-D, batched by a weight, batch-broadcast [1,2,2,3] x [2,1,3,2], and rank-1\n"
             "operands on either side and both.")
    a = t.input("a", [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    w = t.input("w", [[1.0, 2.0], [-0.5, 0.1], [3.0, -2.0]])
    x = t.input("x", (np.arange(12).reshape(2, 2, 3) / 10.0 - 0.5).tolist())
    l = t.input("l", (np.arange(12).reshape(1, 2, 2, 3) / 4.0 - 1.0).tolist())
    r = t.input("r", (np.arange(12).reshape(2, 1, 3, 2) / 4.0 - 1.5).tolist())
    v = t.input("v", [0.5, -2.0, 1.25])
    t.op(f"%mm = onnx.MatMul %a, %w : ({ty(a)}, {ty(w)}) -> tensor<2x2xf32>")
    t.op(f"%batched = onnx.MatMul %x, %w : ({ty(x)}, {ty(w)}) -> tensor<2x2x2xf32>")
    t.op(f"%bcast = onnx.MatMul %l, %r : ({ty(l)}, {ty(r)}) -> tensor<2x2x2x2xf32>")
    t.op(f"%vm = onnx.MatMul %v, %w : ({ty(v)}, {ty(w)}) -> tensor<2xf32>")
    t.op(f"%mv = onnx.MatMul %a, %v : ({ty(a)}, {ty(v)}) -> tensor<2xf32>")
    t.op(f"%dot = onnx.MatMul %v, %v : ({ty(v)}, {ty(v)}) -> tensor<f32>")
    t.result("mm", f64(a) @ f64(w), F32, "[2,3] x [3,2]")
    t.result("batched", f64(x) @ f64(w), F32, "[2,2,3] x [3,2]")
    t.result("bcast", np.matmul(f64(l), f64(r)), F32, "[1,2,2,3] x [2,1,3,2]")
    t.result("vm", f64(v) @ f64(w), F32, "[3] x [3,2]")
    t.result("mv", f64(a) @ f64(v), F32, "[2,3] x [3]")
    t.result("dot", np.dot(f64(v), f64(v)), F32, "[3] x [3]")
    t.write()


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def transpose_softmax():
    t = Test("transpose-softmax",
             "Transpose with and without perm; Softmax on the last axis, on axis 0 and on a\n"
             "negative axis; LogSoftmax.")
    x = t.input("x", (np.arange(24).reshape(2, 3, 4) * 0.5 - 3.0).tolist())
    m = t.input("m", [[1.0, 2.0, 3.0], [-1.0, 0.0, 4.5]])
    t.op(f"%tp = onnx.Transpose %x {{perm = array<i64: 2, 0, 1>}} : ({ty(x)}) -> tensor<4x2x3xf32>")
    t.op(f"%tr = onnx.Transpose %m : ({ty(m)}) -> tensor<3x2xf32>")
    t.op(f"%sm = onnx.Softmax %m : ({ty(m)}) -> tensor<2x3xf32>")
    t.op(f"%sm0 = onnx.Softmax %m {{axis = 0 : i64}} : ({ty(m)}) -> tensor<2x3xf32>")
    t.op(f"%smn = onnx.Softmax %x {{axis = -2 : i64}} : ({ty(x)}) -> tensor<2x3x4xf32>")
    t.op(f"%lsm = onnx.LogSoftmax %m : ({ty(m)}) -> tensor<2x3xf32>")
    t.result("tp", np.transpose(f64(x), (2, 0, 1)), F32, "Transpose perm [2, 0, 1]")
    t.result("tr", np.transpose(f64(m)), F32, "Transpose without perm reverses the dims")
    t.result("sm", softmax(f64(m), -1), F32, "Softmax, default axis -1")
    t.result("sm0", softmax(f64(m), 0), F32, "Softmax axis 0")
    t.result("smn", softmax(f64(x), 1), F32, "Softmax axis -2 of a rank-3 tensor")
    # Kiln takes the log of the f32 softmax: a log-probability near 0 keeps that probability's
    # absolute rounding error (a few f32 ulps of 1), many ulps of the small result.
    t.result("lsm", log_softmax(f64(m), -1), F32, "LogSoftmax",
             abs_slack=4 * float(np.spacing(np.float32(1))))
    t.write()


def log_softmax_range():
    t = Test("log-softmax-large-range",
             "LogSoftmax stays finite and exact when the inputs span more than exp's range in f32\n"
             "(log of a softmax that underflowed to 0 would give -inf).")
    m = t.input("m", [[0.0, 100.0, 200.0], [-150.0, 0.0, 1.0]])
    t.op(f"%lsm = onnx.LogSoftmax %m : ({ty(m)}) -> tensor<2x3xf32>")
    t.result("lsm", log_softmax(f64(m), -1), F32, "LogSoftmax")
    t.write()


def half():
    t = Test("f16",
             "f16 elementwise ops, MatMul and Softmax (computed in f32, rounded to f16 once),\n"
             "cast to f32 for printing.")
    a = t.input("a", [[0.1, 0.2, 0.3], [-1.0, 0.5, 2.0]], F16)
    b = t.input("b", [3.0, -0.7, 7.1], F16)
    w = t.input("w", [[1.1, 2.0], [-0.5, 0.1], [3.0, -2.3]], F16)
    A, B, W = f64(a), f64(b), f64(w)
    t.op(f"%add = onnx.Add %a, %b : ({ty(a)}, {ty(b)}) -> tensor<2x3xf16>")
    t.op(f"%mul = onnx.Mul %add, %a : (tensor<2x3xf16>, {ty(a)}) -> tensor<2x3xf16>")
    t.op(f"%mm = onnx.MatMul %a, %w : ({ty(a)}, {ty(w)}) -> tensor<2x2xf16>")
    t.op(f"%sm = onnx.Softmax %a : ({ty(a)}) -> tensor<2x3xf16>")
    t.op(f"%tanh = onnx.Tanh %a : ({ty(a)}) -> tensor<2x3xf16>")
    for v in ("add", "mul", "mm", "sm", "tanh"):
        shape = "2x2" if v == "mm" else "2x3"
        t.op(f"%{v}32 = onnx.Cast %{v} {{to = 1 : i64}} : (tensor<{shape}xf16>) -> tensor<{shape}xf32>")
    add = (A + B).astype(F16)
    t.result("add32", A + B, F32, "Add, rounded to f16", ulp_type=F16)
    t.result("mul32", f64(add) * A, F32, "Mul of the rounded sum", ulp_type=F16)
    t.result("mm32", A @ W, F32, "MatMul accumulated in f32, rounded once", ulp_type=F16)
    t.result("sm32", softmax(A, -1), F32, "Softmax", ulp_type=F16)
    t.result("tanh32", np.tanh(A), F32, "Tanh", ulp_type=F16)
    t.write()


def dynamic():
    t = Test("dynamic-shapes",
             "@main takes dynamically shaped tensors (the entry passes tensor.cast static\n"
             "constants): sizes come from tensor.dim at run time through elementwise broadcasting,\n"
             "MatMul, Transpose and Softmax.")
    a = t.input("a", [[0.1, 0.2, 0.3], [-1.0, 0.5, 2.0]], arg_shape=(None, None))
    b = t.input("b", [3.0, -0.5, 7.0], arg_shape=(None,))
    w = t.input("w", [[0.1, 0.2, -0.3, 0.05], [-0.05, 0.01, 0.2, 0.4], [0.3, -0.2, 0.1, 0.0]],
                arg_shape=(None, None))
    t.op("%add = onnx.Add %a, %b : (tensor<?x?xf32>, tensor<?xf32>) -> tensor<?x?xf32>")
    t.op("%relu = onnx.Relu %add : (tensor<?x?xf32>) -> tensor<?x?xf32>")
    t.op("%mm = onnx.MatMul %relu, %w : (tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<?x?xf32>")
    t.op("%tr = onnx.Transpose %mm : (tensor<?x?xf32>) -> tensor<?x?xf32>")
    t.op("%sm = onnx.Softmax %tr {axis = 0 : i64} : (tensor<?x?xf32>) -> tensor<?x?xf32>")
    add = f64(a) + f64(b)
    mm = np.maximum(add, 0) @ f64(w)
    t.result("add", add, F32, "Add [?,?] + [?]", result_shape=(None, None))
    t.result("mm", mm, F32, "MatMul(Relu(.), w)", result_shape=(None, None))
    t.result("sm", softmax(mm.T, 0), F32, "Softmax(Transpose(.), axis 0)",
             result_shape=(None, None))
    t.write()


def variadic():
    t = Test("max-min-variadic",
             "onnx Max and Min take one or more operands, broadcast together.")
    a = t.input("a", [[0.1, 5.0, -3.0], [2.0, -1.0, 0.0]])
    b = t.input("b", [1.0, -2.0, 0.5])
    c = t.input("c", [[-4.0], [3.0]])
    t.op(f"%max3 = onnx.Max %a, %b, %c : ({ty(a)}, {ty(b)}, {ty(c)}) -> tensor<2x3xf32>")
    t.op(f"%min3 = onnx.Min %a, %b, %c : ({ty(a)}, {ty(b)}, {ty(c)}) -> tensor<2x3xf32>")
    t.op(f"%max1 = onnx.Max %a : ({ty(a)}) -> tensor<2x3xf32>")
    t.result("max3", np.maximum(np.maximum(f64(a), f64(b)), f64(c)), F32, "Max of three")
    t.result("min3", np.minimum(np.minimum(f64(a), f64(b)), f64(c)), F32, "Min of three")
    t.result("max1", f64(a), F32, "Max of one operand is that operand")
    t.write()


if __name__ == "__main__":
    for make in (binary, unary, where_cast, matmul, transpose_softmax, log_softmax_range, half,
                 dynamic, variadic):
        make()
