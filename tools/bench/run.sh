#!/usr/bin/env bash
# Eta benchmark suite: times etai against Guile 3.0 and Lua 5.4.
#
# Usage: tools/bench/run.sh [PROGRAM ...]
#   With no arguments every program in PROGRAMS below is run.
# Environment:
#   ETAI=/path/to/etai   use this binary instead of building it with Bazel
#   RUNS=3               timed runs per program (best of RUNS is reported)
#
# Every implementation's output is checked against etai's first; a mismatch
# is reported loudly and makes the script exit with status 1 at the end.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd))"
cd "$root"

bench=tools/bench
runs="${RUNS:-3}"
all_programs=(fib tak nqueens closures lists strings sort sieve callcc)
if [[ $# -gt 0 ]]; then
  programs=("$@")
else
  programs=("${all_programs[@]}")
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

status=0
loud() {
  echo "" >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  echo "!!! $*" >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  echo "" >&2
}

# --- etai ------------------------------------------------------------------
if [[ -n "${ETAI:-}" ]]; then
  etai="$ETAI"
else
  echo "== building etai (bazel build --config=opt //tools:etai)" >&2
  bazel build --config=opt //tools:etai >&2
  etai="$root/bazel-bin/tools/etai"
fi
if [[ ! -x "$etai" ]]; then
  echo "run.sh: etai binary not found at $etai" >&2
  exit 1
fi

# --- other implementations -------------------------------------------------
guile_bin="$(command -v guile-3.0 || command -v guile || true)"
lua_bin="$(command -v lua5.4 || true)"
hyperfine_bin="$(command -v hyperfine || true)"
[[ -z "$guile_bin" ]] && echo "note: guile not found; guile column is n/a" >&2
[[ -z "$lua_bin" ]] && echo "note: lua5.4 not found; lua column is n/a" >&2
[[ -z "$hyperfine_bin" ]] && echo "note: hyperfine not found; timing with a bash loop" >&2
# Guile compiles each script to its cache on first use; the output check
# below runs every script once, so compile time is never measured.
export GUILE_AUTO_COMPILE=1

# time_cmd NAME CMD... : prints the best (minimum) wall time in seconds.
time_cmd() {
  local name="$1"; shift
  if [[ -n "$hyperfine_bin" ]]; then
    local json="$tmp/$name.json"
    "$hyperfine_bin" -N --warmup 1 --runs "$runs" --style none \
      --export-json "$json" -- "$*" >/dev/null 2>&1 || { echo "FAIL"; return; }
    sed -n 's/^ *"min": *\([0-9.eE+-]*\),*$/\1/p' "$json" | head -n 1
  else
    "$@" >/dev/null 2>&1 || { echo "FAIL"; return; }   # warm-up
    local best="" i t0 t1 ns
    for ((i = 0; i < runs; i++)); do
      t0=$(date +%s%N)
      "$@" >/dev/null 2>&1 || { echo "FAIL"; return; }
      t1=$(date +%s%N)
      ns=$((t1 - t0))
      if [[ -z "$best" || $ns -lt $best ]]; then best=$ns; fi
    done
    awk -v ns="$best" 'BEGIN { printf "%.6f\n", ns / 1e9 }'
  fi
}

fmt_secs() {  # 3 decimals, or the word as is (n/a, FAIL, ...)
  if [[ "$1" =~ ^[0-9.eE+-]+$ ]]; then awk -v t="$1" 'BEGIN { printf "%.3f", t }'; else echo "$1"; fi
}
ratio() {
  if [[ "$1" =~ ^[0-9.eE+-]+$ && "$2" =~ ^[0-9.eE+-]+$ ]]; then
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
  else
    echo "n/a"
  fi
}

# check NAME IMPL EXPECTED CMD... : runs CMD, compares its stdout with
# EXPECTED; returns 0 when they match.
check() {
  local name="$1" impl="$2" expected="$3"; shift 3
  local out
  if ! out="$("$@" 2>"$tmp/$name.$impl.err")"; then
    loud "$impl FAILED on $name (exit status non-zero): $(head -c 500 "$tmp/$name.$impl.err")"
    status=1
    return 1
  fi
  if [[ "$out" != "$expected" ]]; then
    loud "OUTPUT MISMATCH on $name: expected '$expected' (from etai, or guile if etai failed) but $impl printed '$out'"
    status=1
    return 1
  fi
  return 0
}

rows=()
for p in "${programs[@]}"; do
  src="$bench/programs/$p.eta"
  if [[ ! -f "$src" ]]; then
    echo "run.sh: no such program: $src" >&2
    exit 1
  fi
  echo "== $p" >&2

  et="FAIL"; gt="n/a"; lt="n/a"
  if expected="$("$etai" "$src" 2>"$tmp/$p.etai.err")"; then
    et="$(time_cmd "$p.etai" "$etai" "$src")"
  else
    loud "etai FAILED on $p: $(head -c 500 "$tmp/$p.etai.err")"
    status=1
    expected=""
  fi

  if [[ -n "$guile_bin" && -f "$bench/guile/$p.scm" ]]; then
    gsrc="$bench/guile/$p.scm"
    if [[ -z "$expected" ]]; then
      # etai failed: use guile's output as the reference for lua.
      expected="$("$guile_bin" "$gsrc" 2>/dev/null || true)"
      gt="$(time_cmd "$p.guile" "$guile_bin" "$gsrc")"
    elif check "$p" guile "$expected" "$guile_bin" "$gsrc"; then
      gt="$(time_cmd "$p.guile" "$guile_bin" "$gsrc")"
    else
      gt="MISMATCH"
    fi
  fi

  if [[ -n "$lua_bin" && -f "$bench/lua/$p.lua" ]]; then
    lsrc="$bench/lua/$p.lua"
    if [[ -z "$expected" ]]; then
      lt="$(time_cmd "$p.lua" "$lua_bin" "$lsrc")"
    elif check "$p" lua "$expected" "$lua_bin" "$lsrc"; then
      lt="$(time_cmd "$p.lua" "$lua_bin" "$lsrc")"
    else
      lt="MISMATCH"
    fi
  fi

  rows+=("$(printf '%-10s %10s %10s %10s %12s %12s' "$p" \
    "$(fmt_secs "$et")" "$(fmt_secs "$gt")" "$(fmt_secs "$lt")" \
    "$(ratio "$et" "$gt")" "$(ratio "$et" "$lt")")")
done

# --- start-up time ----------------------------------------------------------
empty="$bench/programs/empty.eta"
startup="n/a"
if "$etai" "$empty" >/dev/null 2>"$tmp/empty.err"; then
  if [[ -n "$hyperfine_bin" ]]; then
    "$hyperfine_bin" -N --warmup 10 --runs 200 --style none \
      --export-json "$tmp/empty.json" -- "$etai $empty" >/dev/null 2>&1
    mean="$(sed -n 's/^ *"mean": *\([0-9.eE+-]*\),*$/\1/p' "$tmp/empty.json" | head -n 1)"
    sd="$(sed -n 's/^ *"stddev": *\([0-9.eE+-]*\),*$/\1/p' "$tmp/empty.json" | head -n 1)"
    startup="$(awk -v m="$mean" -v s="$sd" 'BEGIN { printf "%.2f ms (mean of 200, sd %.2f ms)", m * 1000, s * 1000 }')"
    # The floor on this machine: starting a process that does nothing.
    "$hyperfine_bin" -N --warmup 10 --runs 200 --style none \
      --export-json "$tmp/true.json" -- "/bin/true" >/dev/null 2>&1
    mean="$(sed -n 's/^ *"mean": *\([0-9.eE+-]*\),*$/\1/p' "$tmp/true.json" | head -n 1)"
    startup="$startup; /bin/true: $(awk -v m="$mean" 'BEGIN { printf "%.2f ms", m * 1000 }')"
  else
    best=""
    for ((i = 0; i < 20; i++)); do
      t0=$(date +%s%N); "$etai" "$empty" >/dev/null 2>&1; t1=$(date +%s%N)
      ns=$((t1 - t0))
      if [[ -z "$best" || $ns -lt $best ]]; then best=$ns; fi
    done
    startup="$(awk -v ns="$best" 'BEGIN { printf "%.2f ms (best of 20)", ns / 1e6 }')"
  fi
else
  loud "etai FAILED on empty.eta: $(head -c 500 "$tmp/empty.err")"
  status=1
fi

echo ""
echo "Wall-clock seconds, best of $runs runs (after 1 warm-up run)."
printf '%-10s %10s %10s %10s %12s %12s\n' program etai guile lua etai/guile etai/lua
printf '%-10s %10s %10s %10s %12s %12s\n' ---------- ---------- ---------- ---------- ------------ ------------
for r in "${rows[@]}"; do echo "$r"; done
echo ""
echo "etai start-up (empty program): $startup"
if [[ $status -ne 0 ]]; then
  echo ""
  echo "THERE WERE FAILURES OR OUTPUT MISMATCHES (see the messages above)."
fi
exit "$status"
