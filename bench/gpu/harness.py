"""What the GPU benchmark's parts share (bench/gpu/bench.py): running a bundle's artifact with
kiln-run, timing torch with CUDA events, and the 16-bit arrays kiln-run reads."""
import os
import re
import subprocess

import numpy as np

try:
    import torch
except ImportError:
    torch = None


class Kiln:
    """The bundle's kiln-run on one device."""

    def __init__(self, bundle, device):
        self.bundle, self.device = bundle, device
        self.kiln_run = os.path.join(bundle, "bin", "kiln-run")

    def run(self, model, input_files, output, tmp, runs):
        """The output `output` (float64) of the model on the inputs {name: .npy path} and its
        p50 in ms over `runs` runs (None when runs is 0). Inputs and outputs live in device
        memory (--io=device): the time is the model's alone."""
        args = [self.kiln_run, os.path.join(self.bundle, "models", model + ".kiln"),
                "--device=" + self.device, "--io=device", "--quiet"]
        for name, path in input_files.items():
            args += ["--input", "%s=%s" % (name, path)]
        r = subprocess.run(args + ["--output-dir", tmp], capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError("kiln-run %s: %s" % (model, (r.stderr.strip() or "failed")[-300:]))
        result = from_bits(np.load(os.path.join(tmp, output.replace("/", "_") + ".npy")))
        if not runs:
            return result, None
        r = subprocess.run(args + ["--benchmark=%d" % runs], check=True, capture_output=True,
                           text=True)
        return result, float(re.search(r"p50 ([0-9.]+) ms", r.stdout).group(1))


def save_inputs(arrays, tmp):
    """Each array as tmp/<name>.npy: {name: path}."""
    files = {}
    for name, array in arrays.items():
        files[name] = os.path.join(tmp, name.replace("/", "_") + ".npy")
        np.save(files[name], array)
    return files


def to_bits(array, dtype):
    """An fp32 array as the dtype's .npy for kiln-run: fp16, or bf16 as 2-byte raw values
    (rounded to nearest even), as onnx saves them."""
    if dtype == "fp16":
        return array.astype(np.float16)
    bits = array.astype(np.float32).view(np.uint32)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    return rounded.view("V2")


def from_bits(array):
    """A kiln-run output or a to_bits array as float64."""
    if array.dtype == np.dtype("V2"):
        return (array.view(np.uint16).astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return array.astype(np.float64)


def torch_tensor(array):
    """A to_bits array on the GPU, in its dtype."""
    if array.dtype == np.dtype("V2"):
        return torch.from_numpy(array.view(np.int16).copy()).view(torch.bfloat16).cuda()
    return torch.from_numpy(array).cuda()


def time_torch(fn, runs, warmup=3):
    """p50 in ms of fn() by CUDA events, after warm-up."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return float(np.median(times))


def relative_error(got, want):
    """max |got - want| / max |want|."""
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))
