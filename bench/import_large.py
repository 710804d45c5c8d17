"""Benchmark: importing a model with large weights (a measurement, not a test).

Requirement measured: "generate a model with 1 GB of weights, once with the weights inside the
protobuf and once as external data, and report import time and peak memory: import takes less
than 5 s beyond reading the file, and peak memory stays under twice the weights' size (external
data: about once)."

The script generates, in a temporary folder, an MLP of 16 square float32 MatMul weights chained
with Relu whose weights total about --size-mb MiB, and saves it twice: embedded (weights in the
protobuf's raw_data) and as external data (one weights.bin beside the model). For each variant
it measures, with the page cache warm:

  read s    the time to read the model file(s) once from the page cache (a second read);
  import s  the wall time of `kiln-import MODEL --no-output` (import and verify, print nothing);
  peak RSS  the process's maximum resident set (GNU time's %M, i.e. ru_maxrss), which counts
            the touched pages of memory-mapped external data.

The targets (PASS/FAIL) are judged on those. The script also measures, reported separately,
`kiln-import MODEL -o /dev/null --mlir-elide-resource-strings-if-larger=16` (import and print
with the weights elided; MLIR's printer still hex-encodes each blob into a string to measure
its length before dropping it, so this costs more than a full print), the full print with hex
to /dev/null (killed after --full-print-timeout s), and Python's onnx.load as a reference.
Results are printed as a table and appended to bench/RESULTS.md (unless --no-append).

Run from the repository root:

    .venv/bin/python bench/import_large.py [--size-mb N] [--no-append]

1024 MiB needs about 2.2 GiB of free memory while generating, 2 GiB of disk in --tmp-dir, and a
few minutes. Small sizes run but the ratios are then dominated by the tool's own baseline RSS.
"""

import argparse
import datetime
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1 << 20
LAYERS = 16
IMPORT_LIMIT_S = 5.0
PEAK_LIMIT = {"embedded": 2.0, "external": 1.2}


# ----------------------------------------------------------------------------- generation


def generate(size_mb, tmp_dir, seed):
    """Writes embedded/model.onnx and external/{model.onnx,weights.bin}; returns (bytes, dim)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper

    dim = max(1, math.isqrt(size_mb * MIB // (LAYERS * 4)))
    rng = np.random.default_rng(seed)
    scale = np.float32(1.0 / math.sqrt(dim))
    nodes, inits = [], []
    x = "x"
    for i in range(LAYERS):
        w = rng.standard_normal((dim, dim), dtype=np.float32)
        w *= scale
        # One transient bytes copy per layer; the proto holds the only lasting one.
        inits.append(helper.make_tensor(f"w{i}", TensorProto.FLOAT, [dim, dim], w.tobytes(), raw=True))
        del w
        mm = f"mm{i}"
        nodes.append(helper.make_node("MatMul", [x, f"w{i}"], [mm], name=f"matmul{i}"))
        x = "y" if i == LAYERS - 1 else f"relu{i}"
        nodes.append(helper.make_node("Relu", [mm], [x], name=f"relu{i}"))
    graph = helper.make_graph(
        nodes, "large_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, dim])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, dim])],
        initializer=inits)
    del inits
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="kiln-bench")
    weight_bytes = LAYERS * dim * dim * 4

    tiny = helper.make_model(helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])]),
        opset_imports=[helper.make_opsetid("", 17)])
    os.makedirs(os.path.join(tmp_dir, "tiny"))
    onnx.save(tiny, os.path.join(tmp_dir, "tiny", "model.onnx"))

    emb_dir = os.path.join(tmp_dir, "embedded")
    ext_dir = os.path.join(tmp_dir, "external")
    os.makedirs(emb_dir)
    os.makedirs(ext_dir)
    onnx.save(model, os.path.join(emb_dir, "model.onnx"))
    # Converts the tensors in place (raw_data moves to weights.bin), so it comes second.
    onnx.save(model, os.path.join(ext_dir, "model.onnx"), save_as_external_data=True,
              all_tensors_to_one_file=True, location="weights.bin", size_threshold=1024)
    return weight_bytes, dim


# ----------------------------------------------------------------------------- measuring


def read_files(paths):
    """Reads the files once, returning the seconds taken."""
    buf = bytearray(8 * MIB)
    view = memoryview(buf)
    start = time.perf_counter()
    for path in paths:
        with open(path, "rb", buffering=0) as f:
            while f.readinto(view):
                pass
    return time.perf_counter() - start


GNU_TIME = "/usr/bin/time"


def run_child(cmd, timeout=None, stdout=subprocess.DEVNULL):
    """Runs cmd; returns (wall s, peak RSS bytes, exit status, stderr, timed out).

    The peak comes from GNU time's %M when /usr/bin/time exists, else from wait4. A child's
    ru_maxrss starts at the RSS of the process it was forked from (Linux records the pre-exec
    high-water mark), so the command runs under the tiny /usr/bin/time rather than straight
    under this Python process; the wait4 fallback over-reports by this process's RSS.
    """
    err_file = tempfile.TemporaryFile()
    rss_file = tempfile.NamedTemporaryFile(prefix="kiln-bench-rss-", delete=False)
    rss_file.close()
    use_time = os.access(GNU_TIME, os.X_OK)
    full = [GNU_TIME, "-f", "%M", "-o", rss_file.name, *cmd] if use_time else cmd
    start = time.perf_counter()
    proc = subprocess.Popen(full, stdout=stdout, stderr=err_file, start_new_session=True)
    timed_out = threading.Event()
    timer = None
    if timeout:
        def kill():
            timed_out.set()
            try:
                os.killpg(proc.pid, 9)  # the group holds /usr/bin/time and the command
            except ProcessLookupError:
                pass
        timer = threading.Timer(timeout, kill)
        timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if timer:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = usage.ru_maxrss * 1024
    if use_time:
        with open(rss_file.name) as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
        # GNU time writes "Command exited with non-zero status N" before the format line.
        peak = int(lines[-1]) * 1024 if lines and lines[-1].strip().isdigit() else 0
    os.unlink(rss_file.name)
    err_file.seek(0)
    stderr = err_file.read().decode(errors="replace")
    err_file.close()
    return wall, peak, proc.returncode, stderr, timed_out.is_set()


ONNX_LOAD_SNIPPET = r"""
import sys, time
import onnx
start = time.perf_counter()
m = onnx.load(sys.argv[1])
print(time.perf_counter() - start)
"""


def timed_runs(cmd, repeat, timeout=None, expect=None):
    """Runs cmd `repeat` times: (fastest wall s, largest peak bytes), or a string saying why not.

    `expect` is (exit status, text stderr must contain) for runs meant to fail on purpose.
    """
    walls, peaks = [], []
    for _ in range(repeat):
        wall, peak, rc, err, timed_out = run_child(cmd, timeout=timeout)
        if timed_out:
            return f"> {timeout:g} s (killed)"
        want_rc, want_err = expect or (0, "")
        if rc != want_rc or want_err not in err:
            return f"failed (exit {rc}): {err.strip()[-2000:]}"
        walls.append(wall)
        peaks.append(peak)
    return min(walls), max(peaks)


def measure_variant(name, model, files, weight_bytes, args, tmp):
    kiln = args.kiln_import
    row = {"variant": name, "weights_mb": weight_bytes / MIB,
           "file_mb": sum(os.path.getsize(f) for f in files) / MIB}
    read_files(files)  # warm the page cache
    row["read_s"] = min(read_files(files) for _ in range(args.repeat))

    # Import alone: import and verify, print nothing.
    got = timed_runs([kiln, model, "--no-output"], args.repeat, expect=(0, ""))
    if isinstance(got, str):
        sys.exit(f"kiln-import did not import the {name} model: {got}")
    row["import_s"], peak = got
    row["peak_mb"] = peak / MIB
    row["ratio"] = peak / weight_bytes
    row["excess_s"] = row["import_s"] - row["read_s"]
    row["time_ok"] = row["excess_s"] < IMPORT_LIMIT_S
    row["mem_ok"] = row["ratio"] < PEAK_LIMIT[name]

    # Import and print with the resources elided. MLIR's printer still hex-encodes each blob
    # into a string to measure it before dropping it, so this is not free.
    base = [kiln, model, "-o", os.devnull]
    got = timed_runs(base + ["--mlir-elide-resource-strings-if-larger=16"], args.repeat)
    if isinstance(got, str):
        sys.exit(f"kiln-import failed on the {name} model: {got}")
    row["elided_s"], peak = got
    row["elided_peak_mb"] = peak / MIB
    row["elided_ratio"] = peak / weight_bytes
    row["elided_time_ok"] = row["elided_s"] - row["read_s"] < IMPORT_LIMIT_S
    row["elided_mem_ok"] = row["elided_ratio"] < PEAK_LIMIT[name]

    # Reference: the full print, weights as hex, to /dev/null.
    if args.full_print_timeout > 0:
        got = timed_runs(base, 1, timeout=args.full_print_timeout)
        row["full_print"] = got if isinstance(got, str) else \
            f"{got[0]:.2f} s, peak RSS {got[1] / MIB:.0f} MiB ({got[1] / weight_bytes:.2f}x)"
    else:
        row["full_print"] = "skipped"

    if not args.skip_onnx_load:
        out = tempfile.TemporaryFile()
        wall, peak, rc, err, _ = run_child([sys.executable, "-c", ONNX_LOAD_SNIPPET, model],
                                           stdout=out)
        out.seek(0)
        if rc == 0:
            row["onnx_load"] = (f"{float(out.read().decode().strip()):.2f} s "
                                f"(process peak RSS {peak / MIB:.0f} MiB, including Python)")
        else:
            row["onnx_load"] = f"failed (exit {rc}): {err.strip().splitlines()[-1:]}"
        out.close()
    else:
        row["onnx_load"] = "skipped"
    return row


# ----------------------------------------------------------------------------- reporting


def machine_info():
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith(("model name", "cpu model", "hardware")):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = "? GiB"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    ram = f"{int(line.split()[1]) / (1 << 20):.1f} GiB RAM"
                    break
    except OSError:
        pass
    return f"{platform.machine()}, {cpu}, {os.cpu_count()} cores, {ram}"


def git_commit():
    try:
        sha = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return sha + (" (+ uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def verdict(ok, text):
    return ("PASS" if ok else "FAIL") + f" ({text})"


def table(rows):
    header = ["variant", "weights MiB", "file(s) MiB", "read s", "import s", "import-read s",
              "peak RSS MiB", "peak/weights", "time", "memory"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        lines.append("| " + " | ".join([
            r["variant"], f"{r['weights_mb']:.0f}", f"{r['file_mb']:.0f}", f"{r['read_s']:.2f}",
            f"{r['import_s']:.2f}", f"{r['excess_s']:.2f}", f"{r['peak_mb']:.0f}",
            f"{r['ratio']:.2f}",
            verdict(r["time_ok"], f"< {IMPORT_LIMIT_S:g} s"),
            verdict(r["mem_ok"], f"< {PEAK_LIMIT[r['variant']]:g}x"),
        ]) + " |")
    return "\n".join(lines)


def print_table(rows):
    header = ["variant", "import+print s", "import+print-read s", "peak RSS MiB", "peak/weights",
              "time", "memory"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        excess = r["elided_s"] - r["read_s"]
        lines.append("| " + " | ".join([
            r["variant"], f"{r['elided_s']:.2f}", f"{excess:.2f}", f"{r['elided_peak_mb']:.0f}",
            f"{r['elided_ratio']:.2f}",
            verdict(r["elided_time_ok"], f"< {IMPORT_LIMIT_S:g} s"),
            verdict(r["elided_mem_ok"], f"< {PEAK_LIMIT[r['variant']]:g}x"),
        ]) + " |")
    return "\n".join(lines)


def references(rows):
    lines = []
    for r in rows:
        lines.append(f"- {r['variant']}: import + full print with hex to /dev/null (no eliding): "
                     f"{r['full_print']}")
        lines.append(f"- {r['variant']}: reference, Python `onnx.load` (not Kiln): {r['onnx_load']}")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size-mb", type=int, default=1024, help="total weights, MiB (default 1024)")
    p.add_argument("--tmp-dir", default=None, help="parent of the temporary folder (default: /tmp)")
    p.add_argument("--kiln-import", default=os.path.join(REPO, "build", "bin", "kiln-import"))
    p.add_argument("--repeat", type=int, default=1,
                   help="runs per measurement; reports the fastest time and the largest peak")
    p.add_argument("--full-print-timeout", type=float, default=60,
                   help="seconds allowed for the full-hex print run; 0 skips it (default 60)")
    p.add_argument("--skip-onnx-load", action="store_true", help="skip the onnx.load reference")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--keep", action="store_true", help="keep the generated models")
    p.add_argument("--no-append", action="store_true", help="do not append to bench/RESULTS.md")
    p.add_argument("--_generate", metavar="DIR", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args._generate:
        print(*generate(args.size_mb, args._generate, args.seed))
        return 0
    if args.size_mb >= 2000:
        sys.exit("--size-mb must stay under 2000: the embedded variant must fit a 2 GiB protobuf")
    if not os.access(args.kiln_import, os.X_OK):
        sys.exit(f"kiln-import not found at {args.kiln_import} (build it, or pass --kiln-import)")

    tmp = tempfile.mkdtemp(prefix="kiln-import-large-", dir=args.tmp_dir or "/tmp")
    try:
        t0 = time.perf_counter()
        # A separate process, so this one stays small and frees the generator's memory.
        gen = subprocess.run([sys.executable, __file__, "--_generate", tmp,
                              "--size-mb", str(args.size_mb), "--seed", str(args.seed)],
                             capture_output=True, text=True)
        if gen.returncode != 0:
            sys.exit(f"generating the model failed:\n{gen.stderr}")
        weight_bytes, dim = map(int, gen.stdout.split())
        print(f"generated {LAYERS} x {dim}x{dim} float32 weights "
              f"({weight_bytes / MIB:.0f} MiB) in {time.perf_counter() - t0:.1f} s in {tmp}",
              flush=True)
        emb = os.path.join(tmp, "embedded", "model.onnx")
        ext = os.path.join(tmp, "external", "model.onnx")
        tiny = os.path.join(tmp, "tiny", "model.onnx")
        got = timed_runs([args.kiln_import, tiny, "-o", os.devnull], 1)
        baseline_mb = got[1] / MIB if not isinstance(got, str) else float("nan")
        rows = [
            measure_variant("embedded", emb, [emb], weight_bytes, args, tmp),
            measure_variant("external", ext, [ext, os.path.join(tmp, "external", "weights.bin")],
                            weight_bytes, args, tmp),
        ]
    finally:
        if args.keep:
            print(f"kept models in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    heading = (f"## import_large.py, {args.size_mb} MiB: {now}; {machine_info()}; "
               f"kiln {git_commit()}")
    rss_source = ("GNU time %M" if os.access(GNU_TIME, os.X_OK)
                  else "wait4 ru_maxrss (over-reports by this script's RSS)")
    body = (f"{LAYERS} float32 MatMul weights of {dim}x{dim}; page cache warm; best of "
            f"{args.repeat}; peak RSS from {rss_source}. Targets: import - read < "
            f"{IMPORT_LIMIT_S:g} s; peak RSS < {PEAK_LIMIT['embedded']:g}x weights (embedded), "
            f"< {PEAK_LIMIT['external']:g}x (external). kiln-import's peak RSS on a model "
            f"without weights (shared libraries and all): {baseline_mb:.0f} MiB.\n\n"
            f"Import only (`kiln-import MODEL --no-output`: import and verify, print "
            f"nothing):\n\n{table(rows)}\n\n"
            f"Import and print, resources elided (`-o /dev/null "
            f"--mlir-elide-resource-strings-if-larger=16`; MLIR still hex-encodes every blob to "
            f"measure it before eliding it):\n\n{print_table(rows)}\n\n{references(rows)}\n")
    print()
    print(heading)
    print()
    print(body)
    if not args.no_append:
        results = os.path.join(REPO, "bench", "RESULTS.md")
        new = not os.path.exists(results)
        with open(results, "a") as f:
            if new:
                f.write("# Kiln benchmark results\n\nMeasurements appended by the scripts in "
                        "bench/, newest last.\n")
            f.write(f"\n{heading}\n\n{body}")
        print(f"appended to {results}")
    return 0  # a measurement: a missed target is reported, not an error


if __name__ == "__main__":
    sys.exit(main())
