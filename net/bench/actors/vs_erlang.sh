#!/usr/bin/env bash
# Scheduled actors, Eta against Erlang/OTP, in one run (issue 22's table):
#   - spawn an actor and receive its reply, N times in sequence;
#   - MANY actors started, each waiting for one message, then each sent one
#     and the MANY replies collected (time and peak RSS of the process),
#     and the same again at once;
#   - round trips main program <-> one actor;
#   - 8 actors computing fib(27) at once against one actor computing all 8
#     (the parallel speed-up on this machine's schedulers).
# Each side runs the same modes (scheduled.eta, scheduled.erl); Eta and
# Erlang runs alternate, and every figure is the median of RUNS runs.
#   net/bench/actors/vs_erlang.sh [RUNS] [N] [MANY] [ROUND_TRIPS]
#   (default 5 10000 100000 100000). ETAI=path skips the build.
# Installs erlang-base (escript) when it is missing.
set -euo pipefail
runs="${1:-5}"
n="${2:-10000}"
many="${3:-100000}"
trips="${4:-100000}"
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$repo"
if ! command -v escript >/dev/null; then
  echo "installing erlang-base" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get install -y erlang-base >/dev/null
fi
. tools/bench/opt_etai.sh
here=net/bench/actors
# The Erlang side, compiled once here (erlc) so that no run measures it.
erl_dir="$(mktemp -d /tmp/eta-vs-erlang.XXXXXX)"
trap 'rm -rf "$erl_dir"' EXIT
cp "$here/scheduled.erl" "$erl_dir/"
(cd "$erl_dir" && erlc scheduled.erl)
erlang() { erl -noshell -pa "$erl_dir" -run scheduled main "$@" -s init stop; }

declare -A figures  # label -> space-separated per-run figures
out=
# take SIDE COMMAND...: runs COMMAND and adds each "LABEL VALUE" line it
# prints to the figures of SIDE:LABEL (SIDE:LABEL_again when $again is set).
again=
take() {
  local side=$1 label value
  shift
  out="$("$@")" || { echo "vs_erlang.sh: failed: $*" >&2; exit 1; }
  while read -r label value; do
    label="$label${again:+_again}"
    figures[$side:$label]="${figures[$side:$label]:-} $value"
  done <<<"$out"
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
for ((r = 1; r <= runs; r++)); do
  for side in eta erlang; do
    if [ "$side" = eta ]; then run=("$ETAI" "$here/scheduled.eta"); else run=(erlang); fi
    take "$side" "${run[@]}" spawn-reply "$n"
    take "$side" "${run[@]}" many "$many"
    # At once again: this machine's host takes back memory a process freed
    # a few seconds after (virtio-balloon free page reporting), so a
    # process touching much fresh memory pays the host's page faults; run
    # right after, it gets memory its predecessor just freed.
    again=1 take "$side" "${run[@]}" many "$many"
    take "$side" "${run[@]}" roundtrip "$trips"
    take "$side" "${run[@]}" fib 8 27
  done
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo

m() { median ${figures[$1]}; }  # shellcheck disable=SC2086
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '%-52s %12s %12s %9s\n' measurement eta erlang eta/erlang
row() {  # row LABEL KEY UNIT
  local eta erl
  eta=$(m "eta:$2")
  erl=$(m "erlang:$2")
  printf '%-52s %9.2f %-2s %9.2f %-2s %9s\n' "$1" "$eta" "$3" "$erl" "$3" "$(ratio "$eta" "$erl")"
}
row "spawn -> reply, in sequence (per actor, x$n)" spawn_reply_us us
row "$many actors started, messaged, answered" many_ms ms
row "  peak RSS of that process" many_peak_rss_mb MB
row "  the same, run again at once (memory just freed)" many_ms_again ms
row "round trip main <-> actor (x$trips)" roundtrip_us us
row "8 x fib(27) in 8 actors" fib_parallel_ms ms
row "8 x fib(27) in one actor" fib_sequential_ms ms
for side in eta erlang; do
  printf '%-52s %9s\n' "  $side: 8 actors / one actor" \
    "$(ratio "$(m "$side:fib_parallel_ms")" "$(m "$side:fib_sequential_ms")")"
done
echo
echo "Figures: median of $runs runs. Per-run figures, best first:"
for key in $(printf '%s\n' "${!figures[@]}" | sort); do
  # shellcheck disable=SC2086
  printf '  %-28s %s\n' "$key" "$(printf '%s\n' ${figures[$key]} | sort -g | tr '\n' ' ')"
done
