#!/bin/sh
# emgpu select: fit each k and choose one.
set -e
EMGPU=${EMGPU:-node bin/emgpu.js}
OUT=${OUT:-${TMPDIR:-/tmp}/emgpu-examples}   # where files are written
mkdir -p "$OUT"

# Gaussian mixtures on iris, k = 1..8, lowest BIC; the table written as CSV.
$EMGPU select --dataset iris --ks 1..8 --out "$OUT/iris-bic.csv"
# k-means on digits: the elbow of the inertia curve, or BIC of the partition read as a spherical mixture.
$EMGPU select --model kmeans --ks 2..16
$EMGPU select --model kmeans --ks 2,5,10,15 --criterion bic --json
