"""compare_npy.py REF_DIR OUT_DIR RTOL: every .npy of REF_DIR has a twin in OUT_DIR of the same
shape and dtype whose values agree within RTOL relative to the reference's largest magnitude
(exactly for integers and booleans). Exit 1 with the worst difference otherwise."""
import pathlib
import sys

import numpy as np

ref_dir, out_dir, rtol = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), float(sys.argv[3])
files = sorted(ref_dir.glob("*.npy"))
if not files:
    sys.exit(f"no .npy files in {ref_dir}")
for ref_path in files:
    ref, out = np.load(ref_path), np.load(out_dir / ref_path.name)
    if ref.shape != out.shape or ref.dtype != out.dtype:
        sys.exit(f"{ref_path.name}: {out.dtype}{list(out.shape)}, expected {ref.dtype}{list(ref.shape)}")
    if ref.dtype.kind in "fc":
        scale = max(float(np.abs(ref).max(initial=0.0)), 1e-30)
        worst = float(np.abs(ref.astype(np.float64) - out).max(initial=0.0)) / scale
        if not worst <= rtol:
            sys.exit(f"{ref_path.name}: relative difference {worst:.3g} > {rtol}")
    elif not np.array_equal(ref, out):
        sys.exit(f"{ref_path.name}: values differ")
print(f"{len(files)} outputs agree")
