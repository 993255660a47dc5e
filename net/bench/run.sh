#!/usr/bin/env bash
# Socket benchmark: round-trip latency (small list) and one-way throughput
# (64-byte messages) between two Eta VMs, over inproc (two threads), ipc and
# tcp (two etai processes), against raw C nng doing the same (raw_nng.c),
# all in one run. Prints each Eta/raw ratio.
#   net/bench/run.sh [ROUND_TRIPS] [MESSAGES]     (default 10000 100000)
# ETAI=path skips building etai. Each figure is the best of three runs.
set -euo pipefail
trips="${1:-10000}"
messages="${2:-100000}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
bazel build --config=opt //tools:etai //net/bench:raw_nng //net/bench:eta_inproc >/dev/null 2>&1 ||
  bazel build --config=opt //tools:etai //net/bench:raw_nng //net/bench:eta_inproc
bin="$(bazel info --config=opt bazel-bin 2>/dev/null)"
etai="${ETAI:-$bin/tools/etai}"
raw="$bin/net/bench/raw_nng"
inproc="$bin/net/bench/eta_inproc"
dir="$(mktemp -d /tmp/eta-net-bench.XXXXXX)"
trap 'rm -rf "$dir"' EXIT

port() { echo $((20000 + RANDOM % 30000)); }

# measure KIND TRANSPORT MODE N: prints the figure of one run.
measure() {
  local kind=$1 transport=$2 mode=$3 n=$4 url
  case $transport in
    ipc) url="ipc://$dir/$kind-$mode-$RANDOM.sock" ;;
    tcp) url="tcp://127.0.0.1:$(port)" ;;
  esac
  if [ "$transport" = inproc ]; then
    if [ "$kind" = eta ]; then
      "$inproc" net/bench/ping.eta net/bench/pong.eta "$mode" "$n"
    else
      "$raw" inproc "$mode" "$n"
    fi
  elif [ "$kind" = eta ]; then
    "$etai" net/bench/pong.eta "$url" "$mode" "$n" & local pid=$!
    "$etai" net/bench/ping.eta "$url" "$mode" "$n"
    wait "$pid"
  else
    "$raw" pong "$url" "$mode" "$n" & local pid=$!
    "$raw" ping "$url" "$mode" "$n"
    wait "$pid"
  fi | awk '{print $2}'
}

# best KIND TRANSPORT MODE N: the best of three runs (lowest latency,
# highest throughput).
best() {
  local results=()
  for _ in 1 2 3; do results+=("$(measure "$@")"); done
  if [ "$3" = latency ]; then
    printf '%s\n' "${results[@]}" | sort -g | head -1
  else
    printf '%s\n' "${results[@]}" | sort -g | tail -1
  fi
}

printf '%-8s %-11s %14s %14s %8s  %s\n' transport measure eta raw-nng ratio target
for transport in inproc ipc tcp; do
  eta=$(best eta "$transport" latency "$trips")
  raw_figure=$(best raw "$transport" latency "$trips")
  ratio=$(awk -v a="$eta" -v b="$raw_figure" 'BEGIN { printf "%.2f", a / b }')
  printf '%-8s %-11s %11.1f us %11.1f us %8s  %s\n' "$transport" latency "$eta" "$raw_figure" "$ratio" "eta/raw <= 1.5"
  eta=$(best eta "$transport" throughput "$messages")
  raw_figure=$(best raw "$transport" throughput "$messages")
  ratio=$(awk -v a="$eta" -v b="$raw_figure" 'BEGIN { printf "%.2f", a / b }')
  printf '%-8s %-11s %10.0f/s %12.0f/s %8s  %s\n' "$transport" throughput "$eta" "$raw_figure" "$ratio" "eta/raw >= 0.5"
done
