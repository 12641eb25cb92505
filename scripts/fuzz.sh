#!/usr/bin/env bash
# Short, fixed-time fuzzing for `npm test`: replays every minimised
# regression input (fuzz/regressions/<target>/), then runs each fuzz target
# for QUIVER_FUZZ_SECONDS (default 25) starting from its committed corpus
# (fuzz/corpus/<target>/, which is read, never written). Fails on any
# finding: a panic, a broken invariant, a timeout (10 s for one input) or
# more than 2 GB of memory. A finding's input is kept in
# fuzz/artifacts/<target>/ and the command to replay it is printed.
#
#   bash scripts/fuzz.sh                        # all targets, 25 s each
#   QUIVER_FUZZ_SECONDS=3600 QUIVER_FUZZ_TARGETS=query bash scripts/fuzz.sh
#
# Needs the nightly toolchain and cargo-fuzz (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${QUIVER_FUZZ_SECONDS:-25}"
targets="${QUIVER_FUZZ_TARGETS:-ingest query walker}"
flags=(-O -a -s none)   # release code with debug assertions and overflow checks

bash ../scripts/setup.sh >/dev/null
export PATH="$HOME/.cargo/bin:$PATH"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
if ! cargo +nightly fuzz build "${flags[@]}" >"$scratch/build.log" 2>&1; then
  cat "$scratch/build.log" >&2
  exit 1
fi
bin_dir="target/x86_64-unknown-linux-gnu/release"
status=0

for target in $targets; do
  log="$scratch/$target.log"
  regressions=(regressions/"$target"/*)
  if [ -e "${regressions[0]}" ]; then
    if ! "$bin_dir/$target" "${regressions[@]}" >"$log.replay" 2>&1; then
      echo "fuzz $target: a regression input fails again:" >&2
      grep -E "panicked at|Running:" "$log.replay" | tail -n 4 >&2
      status=1
    fi
  fi
  mkdir -p "$scratch/$target" "artifacts/$target"
  if cargo +nightly fuzz run "${flags[@]}" "$target" "$scratch/$target" "corpus/$target" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
      -artifact_prefix="artifacts/$target/" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -o "Done [0-9]* runs in [0-9]* second" "$log" | tail -n 1)
    echo "fuzz $target: ${runs:-done}, no finding"
  else
    echo "fuzz $target: FINDING" >&2
    grep -E "panicked at|^thread|ERROR: libFuzzer|SUMMARY|Test unit written|cargo fuzz run" "$log" | head -n 12 >&2
    status=1
  fi
done
exit $status
