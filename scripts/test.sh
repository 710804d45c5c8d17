#!/usr/bin/env bash
# The README's test command: sets up, builds, and runs every Kiln test suite, then prints one
# closing line "kiln: N passed, M failed, K skipped" summed over all suites.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh || exit 1
bash scripts/build.sh || { echo "kiln: build failed"; exit 1; }

results="$root/build/test-results"
rm -rf "$results" && mkdir -p "$results"
status=0

echo "== lit: IR, importer and tool tests"
/usr/lib/llvm-22/bin/lit -sv --xunit-xml-output "$results/lit.xml" build/test || status=1

echo "== pytest: ONNX backend node tests, generated files"
.venv/bin/python -m pytest -q test/python --junitxml "$results/pytest.xml" || status=1

.venv/bin/python scripts/summarize_results.py "$results"/*.xml || status=1
exit $status
