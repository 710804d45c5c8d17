#!/usr/bin/env bash
# The README's test command: sets up, builds, and runs every Kiln test suite, then prints one
# closing line "kiln: N passed, M failed, K skipped" summed over all suites.
#
#   1. lit: IR, pass, importer, hostile-model and tool tests (build/)
#   2. pytest: ONNX backend node-test import + round trip, fuzz regressions, model numerics
#   3. conformance: ONNX backend node tests compiled to artifacts, run with kiln-run, compared
#      (then a sample of them compiled for CUDA and run on the emulated device)
#   4. the lit suite again on an AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/)
#   5. short libFuzzer runs of the importer and of the artifact reader (KILN_FUZZ_RUNS inputs
#      each, default 30000, fixed seed so that a run is reproducible)
#   6. the runtime's concurrent-sessions tests on a ThreadSanitizer build (build-tsan/, runtime
#      and its tests only)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh || exit 1
bash scripts/build.sh || { echo "kiln: build failed"; exit 1; }

# Each stage's header says how long the one before took (the README's 30-minute budget).
stage_start=$SECONDS
stage() {
  echo "   ($((SECONDS - stage_start)) s)"
  stage_start=$SECONDS
  echo "== $*"
}

results="$root/build/test-results"
rm -rf "$results" && mkdir -p "$results"
status=0
lit=/usr/lib/llvm-22/bin/lit

stage "lit: IR, importer and tool tests"
$lit -sv --xunit-xml-output "$results/lit.xml" build/test || status=1

stage "pytest: ONNX backend node tests, fuzz regressions, generated files"
.venv/bin/python -m pytest -q test/python --junitxml "$results/pytest.xml" || status=1

stage "conformance: ONNX backend node tests compiled to artifacts and run with kiln-run"
.venv/bin/python test/conformance/run_node_tests.py --expected test/conformance/expected_passes.txt \
  --junit "$results/conformance.xml" || status=1

every="${KILN_CUDA_CONFORMANCE_EVERY:-4}"
stage "conformance, CUDA target on the emulated device (every ${every}th node test; all: KILN_CUDA_CONFORMANCE_EVERY=1)"
.venv/bin/python test/conformance/run_node_tests.py --target=cuda --every="$every" \
  --expected test/conformance/expected_passes.txt --junit "$results/conformance-cuda.xml" || status=1

stage "sanitizers: lit suite on an ASan+UBSan build (clang-22)"
if CC=clang-22 CXX=clang++-22 KILN_BUILD_DIR="$root/build-asan" bash scripts/build.sh \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKILN_SANITIZE=ON -DKILN_FUZZ=ON; then
  # allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons fresh slabs when its inline code is
  # compiled with ASan (Kiln's), but libMLIR's own (uninstrumented) allocations from such a slab
  # never unpoison; the context's allocators are shared by both, so without this, ASan reports
  # use-after-poison inside MLIR's parser at whichever allocation happens to start a slab.
  export ASAN_OPTIONS=detect_leaks=1:allow_user_poisoning=0
  UBSAN_OPTIONS=print_stacktrace=1 $lit -sv --xunit-xml-output "$results/lit-asan.xml" build-asan/test || status=1

  stage "fuzz: kiln-fuzz-import, ${KILN_FUZZ_RUNS:-30000} inputs"
  fuzzdir="$(mktemp -d)"
  cp test/models/*.onnx test/Importer/Inputs/hostile/*.onnx "$fuzzdir/"
  if (cd "$fuzzdir" && \
      "$root/build-asan/bin/kiln-fuzz-import" -runs="${KILN_FUZZ_RUNS:-30000}" -seed=1 \
        -max_len=65536 -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$fuzzdir/" \
        "$fuzzdir" >"$results/fuzz.log" 2>&1); then
    fuzz_case='<testcase classname="fuzz" name="kiln-fuzz-import"/>'
  else
    fuzz_case='<testcase classname="fuzz" name="kiln-fuzz-import"><failure/></testcase>'
    tail -40 "$results/fuzz.log"
    echo "fuzz: crash inputs are in $fuzzdir (crash-*); add them to test/fuzz/regressions/"
    status=1
  fi
  grep -E "^Done|stat::number_of_executed_units" "$results/fuzz.log" | tail -1

  stage "fuzz: kiln-fuzz-artifact, ${KILN_FUZZ_RUNS:-30000} inputs"
  artdir="$(mktemp -d)"
  for m in bert_tiny gpt2_tiny; do
    build/bin/kiln-compile "test/models/$m.onnx" -o "$artdir/$m.kiln" || status=1
  done
  if "$root/build-asan/bin/kiln-fuzz-artifact" -runs="${KILN_FUZZ_RUNS:-30000}" -seed=1 \
      -max_len=1048576 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artdir/" \
      "$artdir" >"$results/fuzz-artifact.log" 2>&1; then
    fuzz_case="$fuzz_case"'<testcase classname="fuzz" name="kiln-fuzz-artifact"/>'
  else
    fuzz_case="$fuzz_case"'<testcase classname="fuzz" name="kiln-fuzz-artifact"><failure/></testcase>'
    tail -40 "$results/fuzz-artifact.log"
    echo "fuzz: crash inputs are in $artdir (crash-*); add them to test/fuzz/regressions/"
    status=1
  fi
  grep -E "^Done|stat::number_of_executed_units" "$results/fuzz-artifact.log" | tail -1
  echo "<testsuite>$fuzz_case</testsuite>" >"$results/fuzz.xml"
else
  echo "kiln: sanitizer build failed"
  status=1
fi

stage "ThreadSanitizer: concurrent sessions (runtime only)"
if CC=clang-22 CXX=clang++-22 KILN_BUILD_DIR="$root/build-tsan" KILN_BUILD_TARGET=kiln-runtime-tests \
    bash scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKILN_TSAN=ON; then
  tsan_artifact="$(mktemp -d)/bert_tiny.kiln"
  build/bin/kiln-compile test/models/bert_tiny.onnx -o "$tsan_artifact" || status=1
  KILN_TEST_ARTIFACT="$tsan_artifact" TSAN_OPTIONS="halt_on_error=1" \
    build-tsan/bin/kiln-runtime-tests --gtest_filter='Loaded.*' \
    --gtest_output="xml:$results/tsan.xml" || status=1
else
  echo "kiln: ThreadSanitizer build failed"
  status=1
fi

echo "   ($((SECONDS - stage_start)) s; $SECONDS s in all)"
.venv/bin/python scripts/summarize_results.py "$results"/*.xml || status=1
exit $status
