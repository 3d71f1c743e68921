#!/bin/sh
# emgpu nb: the negative-binomial mixture of counts (per-feature dispersion, per-row size factors).
set -e
EMGPU=${EMGPU:-node bin/emgpu.js}
OUT=${OUT:-${TMPDIR:-/tmp}/emgpu-examples}   # where files are written
mkdir -p "$OUT"

# Digits' pixel intensities are small whole numbers: counts.
$EMGPU nb --k 10 --max-iter 30
# One shared dispersion, no size factors:
$EMGPU nb --k 10 --dispersion shared --size-factors none --max-iter 30 --json
# For single-cell data, `emgpu sc FILE --model nb` runs it on the counts of the highly variable genes.
