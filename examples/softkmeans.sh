#!/bin/sh
# emgpu softkmeans: responsibilities proportional to exp(-beta ||x - c||^2); large beta is k-means.
set -e
EMGPU=${EMGPU:-node bin/emgpu.js}
OUT=${OUT:-${TMPDIR:-/tmp}/emgpu-examples}   # where files are written
mkdir -p "$OUT"

# beta sets how soft the assignment is, relative to squared distances (digits' are in the hundreds).
$EMGPU softkmeans --beta 0.01
$EMGPU softkmeans --dataset iris --beta 1 --out "$OUT/iris-soft.csv"   # id,label,max_posterior
