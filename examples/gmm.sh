#!/bin/sh
# emgpu gmm: Gaussian mixtures by EM (scikit-learn's GaussianMixture semantics).
set -e
EMGPU=${EMGPU:-node bin/emgpu.js}
OUT=${OUT:-${TMPDIR:-/tmp}/emgpu-examples}   # where files are written
mkdir -p "$OUT"

for cov in full diag tied spherical; do
  $EMGPU gmm --dataset iris --covariance $cov
done
# More restarts, a tighter tolerance, the posteriors written:
$EMGPU gmm --dataset iris --n-init 5 --tol 1e-5 --seed 1 --out "$OUT/iris-gmm.csv"
