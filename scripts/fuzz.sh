#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time, one after the other, one worker each.
#
#   scripts/fuzz.sh                 FUZZ_SECONDS per target (default 60)     (make fuzz)
#   scripts/fuzz.sh smoke           FUZZ_SMOKE_RUNS inputs per target (default 3000), seed 1 (CI)
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
budget=(-max_total_time="$secs")
label="${secs}s"
smoke=0
if [[ ${1:-} == smoke ]]; then
    # A fixed seed and input count: the same inputs on every run, so the smoke is a
    # regression check; exploration is `make fuzz`.
    budget=(-seed=1 -runs="${FUZZ_SMOKE_RUNS:-3000}")
    label="smoke, ${FUZZ_SMOKE_RUNS:-3000} runs, seed 1"
    smoke=1
    shift
fi
targets=(pipeline_bytes pipeline_structured policy_bytes policy_structured exchange upload usage restore settle)
if (($#)); then
    targets=("$@")
fi

mkdir -p work   # logs (and long runs' corpora) live here; absent in a fresh clone
cargo +nightly fuzz build -O
for t in "${targets[@]}"; do
    # Long runs grow fuzz/work/<target>; the smoke starts from the checked-in seeds only.
    corpus="work/$t"
    if ((smoke)); then
        corpus=$(mktemp -d)
    fi
    mkdir -p "$corpus"
    seeds=()
    if [[ -d corpus/$t ]]; then
        seeds=("corpus/$t")
    fi
    log="work/$t.log"
    if ((smoke)); then
        log="work/$t.smoke.log"
    fi
    echo "== $t: ${label}"
    status=0
    cargo +nightly fuzz run -O "$t" "$corpus" "${seeds[@]}" -- \
        -max_len=65536 -timeout=10 -rss_limit_mb=2048 -workers=1 \
        "${budget[@]}" -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
    if ((status != 0)); then
        grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -20 || true
        echo "fuzz target $t failed (exit $status); full log: fuzz/$log" >&2
        exit 1
    fi
done
