#!/usr/bin/env bash
# Wire benchmark: Eta's binary wire form (//wire:wire_benchmark) against
# Erlang's term_to_binary/binary_to_term (erlang_wire.escript) on the same
# four messages: ints, flonums, strings, records (see wire_benchmark.cc).
#
# Usage: wire/bench/run.sh        (from any directory)
# Environment:
#   MIN_TIME=0.5   seconds each timed run lasts at least, on both sides
#   RUNS=3         timed runs per case and direction (the best is reported)
#
# Times are wall-clock nanoseconds per encode or decode of the whole
# message. The ratio is erlang/eta: 1.00 or more means Eta is at least as
# fast. Eta's values/s counts the message's top-level elements, its MB/s
# the encoded bytes (10^6 bytes per MB). A failed benchmark is reported
# loudly and makes the script exit with status 1 at the end.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd))"
cd "$root"

min_time="${MIN_TIME:-0.5}"
runs="${RUNS:-3}"

escript_bin="$(command -v escript || true)"
if [[ -z "$escript_bin" ]]; then
  echo "run.sh: escript not found; install Erlang with: apt-get install erlang-base" >&2
  exit 1
fi
python_bin="$(command -v python3 || true)"
if [[ -z "$python_bin" ]]; then
  echo "run.sh: python3 not found (it reads the benchmark's JSON output)" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# --- eta ---------------------------------------------------------------------
echo "== building //wire:wire_benchmark (bazel build --config=opt)" >&2
bazel build --config=opt //wire:wire_benchmark >&2
# Ask Bazel where opt outputs live: the bazel-bin symlink follows whichever
# configuration was built last, which may be someone else's build.
bench="$(bazel info --config=opt bazel-bin 2>/dev/null)/wire/wire_benchmark"
if [[ ! -x "$bench" ]]; then
  echo "run.sh: benchmark binary not found at $bench" >&2
  exit 1
fi

echo "== eta: wire_benchmark (min time ${min_time}s, best of $runs)" >&2
"$bench" --benchmark_min_time="$min_time" --benchmark_repetitions="$runs" \
  --benchmark_display_aggregates_only=true \
  --benchmark_out="$tmp/eta.json" --benchmark_out_format=json \
  --benchmark_format=console >&2

# --- erlang ------------------------------------------------------------------
echo "== erlang: erlang_wire.escript (min time ${min_time}s, best of $runs)" >&2
"$escript_bin" "$here/erlang_wire.escript" "$min_time" "$runs" | tee "$tmp/erlang.txt" >&2

# --- table -------------------------------------------------------------------
echo ""
"$python_bin" - "$tmp/eta.json" "$tmp/erlang.txt" "$runs" "$min_time" <<'PY'
import json
import re
import sys

eta_path, erlang_path, runs, min_time = sys.argv[1:5]
cases = ["ints", "flonums", "strings", "records"]
directions = ["encode", "decode"]
to_ns = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# eta[(case, direction)]: the fastest repetition, or "FAIL".
eta = {}
with open(eta_path) as f:
    report = json.load(f)
for b in report["benchmarks"]:
    if b.get("run_type", "iteration") != "iteration":
        continue  # mean/median/stddev aggregates
    m = re.match(r"BM_(Encode|Decode)/(\w+?)(/|$)", b.get("run_name", b["name"]))
    if not m:
        continue
    key = (m.group(2), m.group(1).lower())
    if b.get("error_occurred"):
        eta[key] = "FAIL"
        print(f"!!! eta {key[0]} {key[1]} FAILED: {b.get('error_message', '')}",
              file=sys.stderr)
        continue
    ns = b["real_time"] * to_ns[b["time_unit"]]
    row = {"ns": ns, "items_per_second": b.get("items_per_second", 0.0),
           "bytes_per_second": b.get("bytes_per_second", 0.0),
           "message_bytes": b.get("message_bytes")}
    if eta.get(key) != "FAIL" and (key not in eta or ns < eta[key]["ns"]):
        eta[key] = row

# erlang[(case, direction)] = (ns per op, message bytes).
erlang = {}
with open(erlang_path) as f:
    for line in f:
        fields = line.split()
        if len(fields) >= 5 and fields[0] == "erlang":
            erlang[(fields[1], fields[2])] = (float(fields[3]), int(fields[4]))


header = ("case", "direction", "eta ns/op", "erlang ns/op", "erlang/eta",
          "eta values/s", "eta MB/s", "eta bytes", "erlang bytes")
fmt = "%-8s %-9s %14s %14s %10s %13s %9s %10s %12s"
print(f"Wall-clock ns per whole-message operation, best of {runs} runs of at "
      f"least {min_time}s each.")
print(fmt % header)
print(fmt % tuple("-" * len(h) for h in header))
status = 0
slower = []
for c in cases:
    for d in directions:
        key = (c, d)
        e = eta.get(key, "FAIL")
        r = erlang.get(key)
        if e == "FAIL":
            status = 1
        cells = [c, d]
        cells.append("FAIL" if e == "FAIL" else "%.0f" % e["ns"])
        cells.append("n/a" if r is None else "%.0f" % r[0])
        if e != "FAIL" and r is not None and e["ns"] > 0:
            ratio = r[0] / e["ns"]
            cells.append("%.2f" % ratio)
            if ratio < 1.0:
                slower.append(f"{c} {d} ({ratio:.2f})")
        else:
            cells.append("n/a")
        if e == "FAIL":
            cells += ["n/a", "n/a"]
        else:
            cells.append("%.3g" % e["items_per_second"])
            cells.append("%.1f" % (e["bytes_per_second"] / 1e6))
        size = None if e == "FAIL" else e["message_bytes"]
        cells.append("n/a" if size is None else "%.0f" % size)
        cells.append("n/a" if r is None else str(r[1]))
        print(fmt % tuple(cells))
print()
print("erlang/eta >= 1.00 means Eta is at least as fast as Erlang.")
if slower:
    print("Eta is slower than Erlang on: " + ", ".join(slower))
else:
    print("Eta is at least as fast as Erlang on every case.")
if status:
    print("\nTHERE WERE FAILURES (see the messages above).")
sys.exit(status)
PY
