#!/usr/bin/env bash
# Prints the compiler flags of every release build of the package (scripts/build.sh, and the
# bench's builds in bench/run.mjs), after any RUSTFLAGS already set.
# A panic location names its source file, a dependency's by its absolute path in cargo's registry
# (~/.cargo/registry/src/index.crates.io-<hash>/js-sys-0.3.107/src/...): trimmed to the crate's
# own path, which says as much (-72 B gzip). Of two matching prefixes rustc takes the last: the
# crates.io directory (its name is fixed since cargo 1.85), else any registry's.
# LLVM's inlining held to a threshold of 12, far below opt-level 3's 250 (Cargo.toml's profile):
# the smallest output measured (5 to 15 are within 0.1 KB, 20 and up bigger; with opt-level "z",
# whose threshold is 5, 12 also beat 5 by 0.4 KB). No loop unrolling either (-31 B gzip).
REGISTRY="${CARGO_HOME:-$HOME/.cargo}/registry/src"
printf '%s' "${RUSTFLAGS:+$RUSTFLAGS }--remap-path-prefix=$REGISTRY/= --remap-path-prefix=$REGISTRY/index.crates.io-1949cf8c6b5b557f/= -C llvm-args=--inline-threshold=12 -C llvm-args=--unroll-threshold=0"
