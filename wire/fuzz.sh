#!/usr/bin/env bash
# Fuzzes the wire decoder with libFuzzer (clang, with AddressSanitizer and
# UndefinedBehaviorSanitizer; LeakSanitizer runs at exit of each input).
#   wire/fuzz.sh [SECONDS]      (default 600)
# Builds in a separate Bazel output base (clang toolchain), so the normal
# gcc build stays cached. New interesting inputs go to a scratch corpus
# under /tmp, and so do crashing inputs (the script prints where).
set -euo pipefail
seconds="${1:-600}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
command -v clang >/dev/null || { echo "fuzz.sh: needs clang (apt-get install clang libclang-rt-14-dev)"; exit 2; }
base="${ETA_FUZZ_OUTPUT_BASE:-$HOME/.cache/eta-fuzz-base}"
CC=clang CXX=clang++ bazel --output_base="$base" build \
  --copt=-fsanitize=fuzzer-no-link,address,undefined \
  --copt=-fno-sanitize-recover=undefined --copt=-g --copt=-O1 \
  --linkopt=-fsanitize=address,undefined --linkopt=-fsanitize-link-c++-runtime \
  //wire:decode_fuzzer
work="$(mktemp -d /tmp/eta-fuzz-corpus.XXXXXX)"
cp wire/fuzz_corpus/* "$work"/
echo "fuzz.sh: fuzzing for ${seconds}s; corpus in $work"
"$base"/execroot/eta/bazel-out/k8-fastbuild/bin/wire/decode_fuzzer \
  -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=4096 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work"
