#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time, one after the other, one worker each.
#
#   scripts/fuzz.sh                 FUZZ_SECONDS per target (default 60)     (make fuzz)
#   scripts/fuzz.sh smoke           FUZZ_SMOKE_SECONDS per target (default 15) (CI)
#   scripts/fuzz.sh [smoke] T...    only targets T...
#
# Needs nightly and cargo-fuzz (`cargo install cargo-fuzz`). Every run first replays the
# checked-in seeds (fuzz/corpus/<target>/seed-*); new inputs go to fuzz/work/<target>
# (git-ignored). Inputs are capped at 64 KiB and each must finish in 10 s. A crash stops the
# script with a non-zero exit; the input is in fuzz/artifacts/<target>/ (check it in as a
# regression, see tests/fuzz_regressions.rs).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

secs=${FUZZ_SECONDS:-60}
if [[ ${1:-} == smoke ]]; then
    secs=${FUZZ_SMOKE_SECONDS:-15}
    shift
fi
targets=(pipeline_bytes pipeline_structured policy_bytes policy_structured exchange)
if (($#)); then
    targets=("$@")
fi

cargo +nightly fuzz build -O
for t in "${targets[@]}"; do
    mkdir -p "work/$t"
    seeds=()
    if [[ -d corpus/$t ]]; then
        seeds=("corpus/$t")
    fi
    echo "== $t: ${secs}s"
    status=0
    cargo +nightly fuzz run -O "$t" "work/$t" "${seeds[@]}" -- \
        -max_len=65536 -timeout=10 -rss_limit_mb=2048 -workers=1 \
        -max_total_time="$secs" -print_final_stats=1 >"work/$t.log" 2>&1 || status=$?
    grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' "work/$t.log" || true
    if ((status != 0)); then
        grep -E 'panicked|ERROR|SUMMARY|Test unit written' "work/$t.log" | head -20 || true
        echo "fuzz target $t failed (exit $status); full log: fuzz/work/$t.log" >&2
        exit 1
    fi
done
