#!/usr/bin/env bash
# Builds the libFuzzer targets of the ingest parsers (tests/fuzz/) with clang in ./build-fuzz and
# runs each for a bounded time, seeded with the ingest test fixtures (tests/data/ingest/) and the
# real MassHunter exports (tests/data/masshunter/). Prints one summary line per fuzzer; exits
# non-zero when any fuzzer finds a crash, a sanitizer report, a leak, a timeout or runs out of
# memory.
#   FUZZ_SECONDS   time per fuzzer (default 20)
#   FUZZ_BUILD_DIR build directory (default build-fuzz)
#   scripts/fuzz.sh [fuzzer ...]   only these (csv_reader masshunter long_csv json quantified flows_csv)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-20}"
build_dir="${FUZZ_BUILD_DIR:-build-fuzz}"
fuzzers=("$@")
if [ ${#fuzzers[@]} -eq 0 ]; then fuzzers=(csv_reader masshunter long_csv json quantified flows_csv); fi

if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not found; run scripts/install-deps.sh" >&2
  exit 1
fi

mkdir -p "$build_dir"
cmake -S . -B "$build_dir" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=Release -DFUZZ_ENABLED=ON -DTESTS_ENABLED=ON -DBENCHMARKS_ENABLED=OFF \
  >"$build_dir/configure.log" 2>&1 || { cat "$build_dir/configure.log" >&2; exit 1; }
targets=()
for f in "${fuzzers[@]}"; do targets+=("fuzz_$f"); done
cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]}" >"$build_dir/build.log" 2>&1 ||
  { tail -40 "$build_dir/build.log" >&2; exit 1; }

seeds=(tests/data/ingest tests/data/masshunter)
work="$build_dir/fuzz"
mkdir -p "$work/logs" "$work/artifacts"
failed=0
for f in "${fuzzers[@]}"; do
  corpus="$work/corpus/$f"  # grows from run to run; the seeds are only read
  mkdir -p "$corpus"
  log="$work/logs/$f.log"
  set +e
  "$build_dir/tests/fuzz/fuzz_$f" "$corpus" "${seeds[@]}" \
    -dict=tests/fuzz/ingest.dict -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/$f-" >"$log" 2>&1
  status=$?
  set -e
  stat() { grep -aEo "stat::$1: +[0-9]+" "$log" | grep -Eo '[0-9]+$' || true; }
  runs=$(stat number_of_executed_units)
  rss=$(stat peak_rss_mb)
  cov=$(grep -aEo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+$' || true)
  if [ "$status" -eq 0 ]; then
    printf 'fuzz: %-11s OK      %9s runs in %ss, coverage %s, peak RSS %s MB\n' \
      "$f" "${runs:-?}" "$seconds" "${cov:-?}" "${rss:-?}"
  else
    failed=1
    artifact=$(sed -n 's/.*Test unit written to //p' "$log" | head -1)
    printf 'fuzz: %-11s FAILED  exit %s; log %s; reproduce: %s %s\n' \
      "$f" "$status" "$log" "$build_dir/tests/fuzz/fuzz_$f" "${artifact:-(no artifact)}"
    grep -m3 -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error|SUMMARY' "$log" \
      | sed 's/^/      /' || true
  fi
done
exit "$failed"
