#!/bin/bash -eu
# Builds leash's libFuzzer targets for ClusterFuzzLite (run inside its builder image, where
# $SRC, $OUT and the sanitizer flags are set). The targets live in fuzz/targets, their own
# cargo workspace.
cd "$SRC/leash"
cargo fuzz build -O --fuzz-dir fuzz/targets
release="fuzz/targets/target/x86_64-unknown-linux-gnu/release"
for target in differential strict_decoder; do
  cp "$release/$target" "$OUT/"
done
# The differential target reads up to 4096 bytes (what the in-process engine feeds the same
# case generator); longer inputs only add bytes it never reads.
printf '[libfuzzer]\nmax_len = 4096\n' > "$OUT/differential.options"
