#!/usr/bin/env python3
"""Triage the model zoo against Kiln: compile, fusion-report and run every model in manifest.json.

For each model file:
  kiln-compile MODEL.onnx -o WORK/NAME.kiln
  kiln-compile MODEL.onnx --fusion-report -o WORK/NAME.report
and, if it compiled, at both stored shapes
  kiln-run WORK/NAME.kiln --input IN=WORK/NAME.shapeK/IN.npy ... --output-dir WORK/NAME.shapeK
compared with the torch fp32 reference in <arch>.npz (max|kiln - torch| / max|torch|; the
tolerance is the manifest's: 1e-4 for fp32 files, 1e-2 for fp16 ones).

Writes triage.json and TRIAGE.md next to this script. Needs only numpy:

    nice -n 10 .venv/bin/python test/models/zoo/triage_zoo.py [--work /tmp/zoo] [NAME_SUBSTRING...]
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def first_error(text):
    for line in text.splitlines():
        if "error:" in line:
            return line.strip()
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[0].strip() if lines else ""


def wait_for_tool(path):
    """The build may be relinking the tool: wait until it is executable and 20 s old."""
    for _ in range(120):
        try:
            if os.access(path, os.X_OK) and time.time() - os.path.getmtime(path) > 20:
                return
        except OSError:
            pass
        time.sleep(10)


def tool_id(path):
    st = os.stat(path)
    return f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(st.st_mtime))} UTC, {st.st_size} B"


def run(args, timeout):
    wait_for_tool(args[0])
    t = time.time()
    try:
        r = subprocess.run(["nice", "-n", "10"] + args, capture_output=True, text=True,
                           timeout=timeout)
        return r.returncode, r.stdout, r.stderr, time.time() - t
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        return None, out, err + f"\nerror: timeout after {timeout} s", time.time() - t


def parse_report(text):
    """-> (formed {op: count-text}, unfused anchors [line])."""
    formed, unfused, section = {}, [], None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("formed"):
            section = "formed"
            continue
        if s.startswith("unfused anchors"):
            section = "unfused"
            continue
        if not s:
            section = None  # the report ends at a blank line; compiler errors may follow
        elif section == "formed" and ":" in s:
            k, v = s.split(":", 1)
            formed[k.strip()] = v.strip()
        elif section == "unfused":
            unfused.append(s)
    return formed, unfused


def cause_of(message):
    """A grouping key for an error line: the file, node names and numbers taken out."""
    m = message
    m = re.sub(r"^.*?error:\s*", "", m)
    m = re.sub(r"^\S+\.onnx:\s*", "", m)
    m = re.sub(r"onnx node '[^']*' \((\w+), domain ([\w.]+), opset \d+\)", r"node (\1, \2)", m)
    m = re.sub(r"'[^']*'", "'…'", m)
    m = re.sub(r"\b\d+\b", "N", m)
    m = re.sub(r"tensor<[^>]*>", "tensor<…>", m)
    return m.strip()[:220]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--work", default="/tmp/zoo")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--markdown-only", action="store_true",
                    help="re-parse WORK/*.report.txt into triage.json and rewrite TRIAGE.md")
    ap.add_argument("filters", nargs="*")
    a = ap.parse_args()
    if a.markdown_only:
        with open(os.path.join(HERE, "manifest.json")) as f:
            manifest = json.load(f)
        path = os.path.join(HERE, "triage.json")
        with open(path) as f:
            data = json.load(f)
        for r in data["results"]:
            with open(os.path.join(a.work, r["name"] + ".report.txt")) as f:
                text = f.read()
            r.pop("report_ok", None)
            r["report_printed"] = "fusion report" in text
            r["fused"], r["unfused"] = parse_report(text)
        with open(path, "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
        write_markdown(data["results"], manifest, data.get("tools"), data.get("tools_at_start"))
        return 0
    os.makedirs(a.work, exist_ok=True)
    with open(os.path.join(HERE, "manifest.json")) as f:
        manifest = json.load(f)
    compile_tool = os.path.join(a.bin, "kiln-compile")
    run_tool = os.path.join(a.bin, "kiln-run")
    results_path = os.path.join(HERE, "triage.json")
    results = {}
    if a.filters and os.path.exists(results_path):
        with open(results_path) as f:
            results = {r["name"]: r for r in json.load(f)["results"]}
    wait_for_tool(compile_tool)
    tools = {"kiln-compile": tool_id(compile_tool), "kiln-run": tool_id(run_tool)}
    print("tools:", tools, flush=True)
    for e in manifest["models"]:
        name = e["name"]
        if a.filters and not any(s in name for s in a.filters):
            continue
        model = os.path.join(HERE, e["file"])
        art = os.path.join(a.work, name + ".kiln")
        rep = os.path.join(a.work, name + ".report")
        for p in (art, rep):
            if os.path.exists(p):
                os.remove(p)
        r = {"name": name, "file": e["file"], "architecture": e["architecture"],
             "exporter": e["exporter"], "opset": e["opset"], "precision": e["precision"],
             "tolerance": e["tolerance"]}
        rc, out, err, dt = run([compile_tool, model, "-o", art], a.timeout)
        r["compile_seconds"] = round(dt, 1)
        r["compiles"] = rc == 0 and os.path.exists(art)
        r["compile_error"] = "" if r["compiles"] else first_error(err + "\n" + out)
        rc2, out2, err2, _ = run([compile_tool, model, "--fusion-report", "-o", rep], a.timeout)
        # the report goes to stdout (with -o the artifact is written as well)
        text = out2 + "\n" + err2
        with open(rep + ".txt", "w") as f:
            f.write(text)
        r["report_printed"] = "fusion report" in text
        r["report_error"] = "" if rc2 == 0 else first_error(err2 + "\n" + out2)
        r["fused"], r["unfused"] = parse_report(text)
        r["rel_err"], r["run_error"] = [], ""
        if r["compiles"]:
            refs = np.load(os.path.join(HERE, e["reference"]))
            out_name = e["outputs"][0]["name"]
            for k in range(len(e["shapes"])):
                d = os.path.join(a.work, f"{name}.shape{k}")
                os.makedirs(d, exist_ok=True)
                for f in os.listdir(d):
                    os.remove(os.path.join(d, f))
                args = [run_tool, art, "--output-dir", d]
                for inp in e["inputs"]:
                    p = os.path.join(a.work, f"{name}.shape{k}.{inp['name']}.npy")
                    np.save(p, refs[f"shape{k}/{inp['name']}"])
                    args += ["--input", f"{inp['name']}={p}"]
                rc3, out3, err3, _ = run(args, a.timeout)
                got_path = os.path.join(d, out_name.replace("/", "_") + ".npy")
                if rc3 != 0 or not os.path.exists(got_path):
                    r["rel_err"].append(None)
                    r["run_error"] = r["run_error"] or (
                        f"shape{k}: " + (first_error(err3 + "\n" + out3) or f"exit {rc3}"))
                    continue
                got = np.load(got_path).astype(np.float32)
                want = refs[f"shape{k}/output"]
                if got.shape != want.shape:
                    r["rel_err"].append(None)
                    r["run_error"] = r["run_error"] or (
                        f"shape{k}: output shape {list(got.shape)} != {list(want.shape)}")
                    continue
                err_k = float(np.max(np.abs(got - want)) / np.max(np.abs(want)))
                r["rel_err"].append(err_k if np.isfinite(err_k) else float("nan"))
        errs = r["rel_err"]
        r["numerics_ok"] = bool(errs) and all(x is not None and x <= e["tolerance"] for x in errs)
        results[name] = r
        print(f"{name}: compiles={r['compiles']} {r['compile_error'][:150]} "
              f"unfused={len(r['unfused'])} err={errs} {r['run_error'][:120]}", flush=True)
    order = {m["name"]: i for i, m in enumerate(manifest["models"])}
    ordered = sorted(results.values(), key=lambda r: order.get(r["name"], 1 << 30))
    with open(results_path, "w") as f:
        tools_now = {"kiln-compile": tool_id(compile_tool), "kiln-run": tool_id(run_tool)}
        if tools_now != tools:
            print("WARNING: the tools changed during the run:", tools, "->", tools_now)
        json.dump({"bin": a.bin, "tools": tools_now, "tools_at_start": tools,
                   "results": ordered}, f, indent=1)
        f.write("\n")
    write_markdown(ordered, manifest, tools_now, tools)
    return 0


def fmt_err(x, tol):
    if x is None:
        return "—"
    mark = "" if x <= tol else " ✗"
    return f"{x:.2g}{mark}"


def short(line):
    """The error line without the '/path/to/MODEL.onnx:0:0: ' prefix."""
    return re.sub(r"^\S+\.onnx:\d+:\d+:\s*", "", line)


FUSED_ABBREV = {"tfm.attention": "attn", "tfm.layer_norm": "ln", "tfm.rms_norm": "rms",
                "tfm.gelu": "gelu", "tfm.rotary_embedding": "rope", "tfm.matmul": "mm"}


def fused_summary(fused):
    parts = []
    for k, v in fused.items():
        n = v.split(" ")[0]
        if n not in ("0", ""):
            parts.append(f"{FUSED_ABBREV.get(k, k)} {v}")
    return ", ".join(parts) or "none"


def write_markdown(results, manifest, tools=None, tools_at_start=None):
    lines = ["# Zoo triage against Kiln", "",
             "Made by `triage_zoo.py` from `manifest.json` (see README.md). For each model: "
             "`kiln-compile MODEL.onnx -o NAME.kiln`, `kiln-compile MODEL.onnx --fusion-report "
             "-o NAME.report` (the report is printed on stdout), and, if it compiled, `kiln-run` "
             "at both stored shapes against the torch fp32 reference in `<arch>.npz` "
             "(max|kiln − torch| / max|torch|; ✗ = above the file's tolerance, 1e-4 fp32 / "
             "1e-2 fp16). Timeout 300 s per command.", ""]
    if tools:
        lines += [f"Binaries: `build/bin/kiln-compile` ({tools['kiln-compile']}), "
                  f"`build/bin/kiln-run` ({tools['kiln-run']})."]
        if tools_at_start and tools_at_start != tools:
            lines += [f"They were rebuilt during the run: at its start kiln-compile was "
                      f"({tools_at_start['kiln-compile']}), kiln-run "
                      f"({tools_at_start['kiln-run']})."]
        lines += [""]
    n = len(results)
    comp = sum(r["compiles"] for r in results)
    ok = sum(r["numerics_ok"] for r in results)
    fully = sum(r["compiles"] and not r["unfused"] and r["report_printed"] for r in results)
    lines += [f"**{n} models: {comp} compile; {ok} compile and match torch at both shapes; "
              f"{fully} compile with no unfused anchor.**", ""]
    # architecture x exporter overview
    archs, tags = [], ["dynamo18", "dynamo23", "ts17", "ortopt", "ortopt-eager"]
    cell = {}
    for r in results:
        arch, tag, prec = r["name"].split(".")
        if arch not in archs:
            archs.append(arch)
        mark = "✓" if r["numerics_ok"] and not r["unfused"] else (
            "✓ᵘ" if r["numerics_ok"] else ("≠" if r["compiles"] else "✗"))
        cell.setdefault((arch, tag), {})[prec] = mark
    lines += ["## Overview", "",
              "✓ compiles, matches torch, fully fused; ✓ᵘ compiles and matches but has unfused "
              "anchors; ≠ compiles but wrong or fails to run; ✗ does not compile; – no such file "
              "(not exported). Each cell: fp32 fp16.", "",
              "| architecture | dynamo 18 | dynamo 23 | TorchScript 17 | ORT opt. | ORT opt. (eager) |",
              "|---|---|---|---|---|---|"]
    for arch in archs:
        row = [arch]
        for t in tags:
            c = cell.get((arch, t))
            row.append(" ".join(c.get(p, "–") for p in ("fp32", "fp16")) if c else "–")
        lines.append("| " + " | ".join(row) + " |")
    lines += [""]
    # failures grouped by cause
    groups = collections.OrderedDict()
    for r in results:
        if not r["compiles"]:
            key = ("compile", cause_of(r["compile_error"]))
        elif r["run_error"]:
            key = ("run", cause_of(r["run_error"].split(": ", 1)[-1]))
        elif not r["numerics_ok"]:
            key = ("numerics", "output differs from torch beyond tolerance")
        else:
            continue
        groups.setdefault(key, []).append(r)
    lines += ["## Failures by cause", ""]
    if not groups:
        lines += ["None.", ""]
    for (stage, cause), rs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        example = rs[0]["compile_error"] if stage == "compile" else rs[0]["run_error"]
        lines += [f"- **{stage}: {cause}** — {len(rs)} model(s)",
                  f"  - first error line (`{rs[0]['name']}`): `{example}`" if example else
                  "  - (no error line)",
                  "  - " + ", ".join(f"`{r['name']}`" for r in rs)]
    lines += [""]
    # unfused anchors grouped
    anchors = collections.defaultdict(list)
    for r in results:
        for u in r["unfused"]:
            anchors[re.sub(r"'[^']*'", "'…'", u)].append(r["name"])
    lines += ["## Unfused anchors (fusion report), by reason", "",
              "Counted over all 100 reports (the report is printed before lowering, so models "
              "that do not compile have one too).", ""]
    if not anchors:
        lines += ["None.", ""]
    for k, names in sorted(anchors.items(), key=lambda kv: -len(kv[1])):
        models = sorted(set(names), key=names.index)
        lines.append(f"- {len(names)}× `{k}` — in {len(models)} model(s): "
                     + ", ".join(f"`{m}`" for m in models))
    lines += ["", "## Per model", "",
              "| model | compile / first error | fused (tfm ops formed) | unfused anchors | "
              "rel err shape0 | rel err shape1 |",
              "|---|---|---|---|---|---|"]
    for r in results:
        if r["compiles"]:
            c = "ok"
            if r["run_error"]:
                c += f"; run: `{r['run_error'][:160]}`"
        else:
            c = f"✗ `{short(r['compile_error'])[:220]}`"
        if not r["report_printed"]:
            unf = "no report"
        elif r["unfused"]:
            kinds = collections.Counter(u.split(" ")[0] for u in r["unfused"])
            unf = f"{len(r['unfused'])}: " + ", ".join(f"{k} {v}" for k, v in kinds.items())
        else:
            unf = "0"
        errs = r["rel_err"] + [None] * (2 - len(r["rel_err"]))
        lines.append(f"| {r['name']} | {c} | {fused_summary(r['fused'])} | "
                     f"{unf} | {fmt_err(errs[0], r['tolerance'])} | "
                     f"{fmt_err(errs[1], r['tolerance'])} |")
    lines += ["", "## Unfused anchors per model", ""]
    for r in results:
        if r["unfused"]:
            lines.append(f"- `{r['name']}`:")
            lines += [f"  - {u}" for u in r["unfused"]]
    with open(os.path.join(HERE, "TRIAGE.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
