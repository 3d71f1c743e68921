#!/bin/sh
# emgpu kmeans: Lloyd's k-means with k-means++ seeding (scikit-learn's KMeans semantics).
set -e
EMGPU=${EMGPU:-node bin/emgpu.js}
OUT=${OUT:-${TMPDIR:-/tmp}/emgpu-examples}   # where files are written
mkdir -p "$OUT"

# The bundled digits (1797 x 64, k = 10), scored against the true digits.
$EMGPU kmeans

# Ten random-init restarts on the float64 reference backend, the labels written as id,label.
$EMGPU kmeans --init random --n-init 10 --seed 7 --backend reference --out "$OUT/digits-labels.csv"

# A CSV with row names and a class column: --label-column scores the clusters against it.
printf 'id,x,y,class\na,0,0,A\nb,0.2,0.1,A\nc,5,5,B\nd,5.1,4.9,B\ne,0.1,0.3,A\n' > "$OUT/points.csv"
$EMGPU kmeans "$OUT/points.csv" --k 2 --label-column last --json

# A 10x matrix.mtx(.gz) works too, its cells as the samples, when it is small enough to densify (--max-dense);
# for single-cell data, `emgpu sc` keeps the counts sparse and runs the whole pipeline (sc.sh).
