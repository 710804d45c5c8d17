"""make_bundle.py ROOT OUT: the models, inputs and references of the device check
(test/gpu/device-check.sh). Writes OUT/models/<name>.kiln, OUT/models/<name>/input_*.npy,
OUT/models/<name>/ref_*.npy, the decoders kiln-generate runs (OUT/models/generate-<name>.kiln,
torch's greedy tokens in the manifest) and OUT/manifest.json."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx

root, out = sys.argv[1], sys.argv[2]
bin_dir = os.path.join(root, "build", "bin")
zoo = os.path.join(root, "test", "models", "zoo")
manifest = []


def compile_cuda(onnx_path, name):
    artifact = os.path.join(out, "models", name + ".kiln")
    subprocess.run([os.path.join(bin_dir, "kiln-compile"), onnx_path, "--target=cuda",
                    "--gpu-arch=sm_90", "-o", artifact], check=True)
    return artifact


def save(name, kind, arrays):
    folder = os.path.join(out, "models", name)
    os.makedirs(folder, exist_ok=True)
    files = {}
    for key, array in arrays.items():
        path = os.path.join(folder, "%s_%s.npy" % (kind, key.replace("/", "_")))
        np.save(path, array)
        files[key] = os.path.relpath(path, out)
    return files


# The zoo: both precisions of the dynamo (opset 18) export of each architecture, torch's
# outputs at the first stored shape.
for m in json.load(open(os.path.join(zoo, "manifest.json")))["models"]:
    if m["exporter"] != "dynamo" or m["opset"] != 18:
        continue
    refs = np.load(os.path.join(zoo, m["reference"]))
    inputs = {i["name"]: refs["shape0/" + i["name"]] for i in m["inputs"]}
    compile_cuda(os.path.join(zoo, m["file"]), m["name"])
    manifest.append({"name": m["name"], "tolerance": m["tolerance"],
                     "inputs": save(m["name"], "input", inputs),
                     "references": save(m["name"], "ref",
                                        {m["outputs"][0]["name"]: refs["shape0/output"]})})

# The hand-written models: seeded random inputs (dynamic dims 2; integers 0 or 1, as kiln-run
# makes them), references from the CPU target.
rng = np.random.default_rng(1)
for file in sorted(os.listdir(os.path.join(root, "test", "models"))):
    if not file.endswith(".onnx"):
        continue
    name, onnx_path = file[:-5], os.path.join(root, "test", "models", file)
    graph = onnx.load(onnx_path, load_external_data=False).graph
    initializers = {i.name for i in graph.initializer}
    inputs = {}
    for value in graph.input:
        if value.name in initializers:
            continue
        tensor = value.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else 2 for d in tensor.shape.dim]
        dtype = onnx.helper.tensor_dtype_to_np_dtype(tensor.elem_type)
        inputs[value.name] = (rng.integers(0, 2, shape) if np.issubdtype(dtype, np.integer)
                              else rng.uniform(-1, 1, shape)).astype(dtype)
    input_files = save(name, "input", inputs)
    with tempfile.TemporaryDirectory() as tmp:
        cpu = os.path.join(tmp, "cpu.kiln")
        subprocess.run([os.path.join(bin_dir, "kiln-compile"), onnx_path, "-o", cpu], check=True)
        args = [os.path.join(bin_dir, "kiln-run"), cpu, "--quiet", "--output-dir", tmp]
        for key, path in input_files.items():
            args += ["--input", "%s=%s" % (key, os.path.join(out, path))]
        subprocess.run(args, check=True)
        refs = {o.name: np.load(os.path.join(tmp, o.name.replace("/", "_") + ".npy"))
                for o in graph.output}
    compile_cuda(onnx_path, name)
    manifest.append({"name": name, "tolerance": 1e-4, "inputs": input_files,
                     "references": save(name, "ref", refs)})

# The decoders with a KV cache (test/models/decoders): kiln-generate's greedy tokens must equal
# torch's generate.
decoders = os.path.join(root, "test", "models", "decoders")
refs = np.load(os.path.join(decoders, "decoders.npz"))
generation = []
for name in sorted({k.split("/")[0] for k in refs.files}):
    compile_cuda(os.path.join(decoders, name + ".ts17.onnx"), "generate-" + name)
    generation.append({"name": "generate-" + name,
                       "prompt": [int(t) for t in refs[name + "/prompt"]],
                       "greedy": [int(t) for t in refs[name + "/greedy"]]})

json.dump({"models": manifest, "generation": generation},
          open(os.path.join(out, "manifest.json"), "w"), indent=1)
print("%d models, %d decoders" % (len(manifest), len(generation)))
