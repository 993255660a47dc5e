# Sourced by benchmark scripts, from the repository's root: sets ETAI to
# an optimised etai (bazel build --config=opt), unless ETAI is set already.
if [ -z "${ETAI:-}" ]; then
  bazel build --config=opt //tools:etai >/dev/null 2>&1 || bazel build --config=opt //tools:etai
  ETAI="$(bazel info --config=opt bazel-bin 2>/dev/null)/tools/etai"
fi
