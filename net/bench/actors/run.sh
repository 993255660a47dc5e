#!/usr/bin/env bash
# Actor benchmarks, Eta against C, in one run; prints a table of ratios.
#   - spawn to first reply: (spawn "worker.eta" URL) over ipc, then one
#     message answered by the child, against a C parent that fork/execs a
#     minimal C child which dials back over nng ipc and replies;
#   - spawn-thread-with (and spawn-thread with a closure, when it works) to
#     first reply, against a C parent starting a pthread that dials back over
#     nng inproc and replies;
#   - round-trip latency parent<->thread (inproc) and parent<->child (ipc),
#     against raw nng pair sockets in the same pattern.
#   net/bench/actors/run.sh [RUNS] [STARTS] [ROUND_TRIPS]   (default 5 20 10000)
# Each start-up run starts STARTS actors one after the other inside one
# process and reports the median per start; each round-trip run reports the
# mean of ROUND_TRIPS round trips. Every figure in the table is the MEDIAN
# of RUNS runs (the per-run figures are listed below the table, sorted, best
# first); Eta and C runs alternate so that both see the same machine load.
# ETAI=path and BASELINE=path (both set) skip the build.
set -euo pipefail
runs="${1:-5}"
starts="${2:-20}"
trips="${3:-10000}"
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$repo"
if [ -z "${ETAI:-}" ] || [ -z "${BASELINE:-}" ]; then
  bazel build --config=opt //tools:etai //net/bench/actors:all >/dev/null 2>&1 ||
    bazel build --config=opt //tools:etai //net/bench/actors:all
  bin="$(bazel info --config=opt bazel-bin 2>/dev/null)"
fi
etai="${ETAI:-$bin/tools/etai}"
baseline="${BASELINE:-$bin/net/bench/actors/spawn_baseline}"
here=net/bench/actors
# Private directory for every ipc endpoint (Eta's and C's); removed at exit.
dir="$(mktemp -d /tmp/eta-actor-bench.XXXXXX)"
trap 'rm -rf "$dir"' EXIT

# measure COMMAND...: runs COMMAND, keeping its "LABEL VALUE" lines in $out.
measure() {
  out="$("$@")" || { echo "run.sh: failed: $*" >&2; exit 1; }
}

# add NAME LABEL: appends the value of LABEL in $out to the figures of NAME.
add() {
  local v
  v=$(awk -v label="$2" '$1 == label { print $2 }' <<<"$out")
  if [ -z "$v" ]; then
    echo "run.sh: no $2 in: $out" >&2
    exit 1
  fi
  figures[$1]="${figures[$1]:-} $v"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Does this etai have the closure form of spawn-thread?
closure=yes
if ! closure_error="$("$etai" "$here/closure.eta" startup 1 2>&1 >/dev/null)"; then
  closure=no
fi

declare -A figures  # name -> space-separated per-run figures
out=

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= runs; r++)); do
  measure "$etai" "$here/startup.eta" process "$dir" "$starts"
  add spawn process_median_us
  add spawn-returned process_returned_median_us
  measure "$baseline" fork "$dir" "$starts"
  add fork fork_median_us
  measure "$etai" "$here/startup.eta" thread-with "$starts"
  add thread-with thread-with_median_us
  add thread-with-returned thread-with_returned_median_us
  if [ "$closure" = yes ]; then
    measure "$etai" "$here/closure.eta" startup "$starts"
    add thread-closure thread-closure_median_us
    add thread-closure-returned thread-closure_returned_median_us
  fi
  measure "$baseline" thread "$starts"
  add thread thread_median_us
  measure "$etai" "$here/roundtrip.eta" thread-with "$trips"
  add rtt-thread-with thread-with_rtt_us
  if [ "$closure" = yes ]; then
    measure "$etai" "$here/closure.eta" roundtrip "$trips"
    add rtt-thread-closure thread-closure_rtt_us
  fi
  measure "$baseline" rtt-thread "$trips"
  add rtt-c-thread rtt-thread_rtt_us
  measure "$etai" "$here/roundtrip.eta" process "$dir" "$trips"
  add rtt-child process_rtt_us
  measure "$baseline" rtt-child "$dir" "$trips"
  add rtt-c-child rtt-child_rtt_us
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# row LABEL ETA_NAME C_NAME MAX_RATIO [MAX_ETA_US]
row() {
  local label=$1 eta_name=$2 c_name=$3 max_ratio=$4 max_us=${5:-}
  # shellcheck disable=SC2086
  local eta c ratio target met
  eta=$(median ${figures[$eta_name]})
  c=$(median ${figures[$c_name]})
  ratio=$(awk -v a="$eta" -v b="$c" 'BEGIN { printf "%.2f", a / b }')
  met=$(awk -v r="$ratio" -v m="$max_ratio" -v e="$eta" -v u="$max_us" \
    'BEGIN { print (r <= m && (u == "" || e < u)) ? "yes" : "NO" }')
  target="eta/C <= $max_ratio"
  [ -n "$max_us" ] && target="eta < $max_us us, $target"
  printf '%-40s %12.1f us %12.1f us %7s  %-28s %s\n' "$label" "$eta" "$c" "$ratio" "$target" "$met"
}

printf '%-40s %15s %15s %7s  %-28s %s\n' measurement eta C eta/C target met
row "spawn -> first reply (process, ipc)" spawn fork 3
row "spawn-thread-with -> first reply" thread-with thread 5 200
if [ "$closure" = yes ]; then
  row "spawn-thread (closure) -> first reply" thread-closure thread 5 200
else
  printf '%-40s %15s\n' "spawn-thread (closure) -> first reply" "n/a: $(head -1 <<<"$closure_error")"
fi
row "round trip parent<->thread (inproc)" rtt-thread-with rtt-c-thread 1.5
if [ "$closure" = yes ]; then
  row "round trip parent<->closure thread" rtt-thread-closure rtt-c-thread 1.5
fi
row "round trip parent<->child (ipc)" rtt-child rtt-c-child 1.5
echo
echo "Figures: median of $runs runs; start-up runs = median of $starts starts each,"
echo "round-trip runs = mean of $trips round trips each. Per-run figures (us), best first"
echo "(*-returned: median time until spawn / spawn-thread-with / spawn-thread returned):"
for name in spawn spawn-returned fork thread-with thread-with-returned thread-closure \
  thread-closure-returned thread rtt-thread-with rtt-thread-closure rtt-c-thread rtt-child \
  rtt-c-child; do
  [ -n "${figures[$name]:-}" ] || continue
  # shellcheck disable=SC2086
  printf '  %-24s %s\n' "$name" "$(printf '%s\n' ${figures[$name]} | sort -g |
    awk '{ printf "%s%.1f", (NR > 1 ? " " : ""), $1 }')"
done
