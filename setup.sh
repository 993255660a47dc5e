#!/usr/bin/env bash
# Installs every Debian package Eta's build, tests and benchmarks need.
# Idempotent and non-interactive; run as root (or with sudo available).
set -euo pipefail
packages=(bazel-bootstrap libnng-dev libabsl-dev libprotobuf-dev protobuf-compiler
          libgtest-dev libbenchmark-dev libedit-dev zlib1g-dev g++)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "setup: all packages present"
