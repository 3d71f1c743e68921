#!/bin/sh
# emgpu sc: single-cell counts → QC → normalise → HVG → scale → PCA → a model.
set -e
EMGPU=${EMGPU:-node bin/emgpu.js}
OUT=${OUT:-${TMPDIR:-/tmp}/emgpu-examples}   # where files are written
mkdir -p "$OUT"
LABELS=data/pbmc3k/pbmc3k_labels.csv.gz:seurat_annotation

# What `npm start` runs: the Seurat tutorial's QC, k-means on 50 PCs and the NB mixture on the HVG counts,
# both scored against the tutorial's annotation, with 3 marker genes per cluster.
$EMGPU sc data/pbmc3k --k 8 --model kmeans,nb --max-genes 2500 --max-pct-mito 5 --labels $LABELS --markers 3

# Choose k for a Gaussian mixture (diagonal covariances) on 20 PCs by BIC, and write the results:
# $OUT/sc/labels-gmm.csv (cell,label,max_posterior), markers-gmm.csv and summary.json.
$EMGPU sc data/pbmc3k --select --ks 4..10 --model gmm --covariance diag --n-pcs 20 \
  --max-genes 2500 --max-pct-mito 5 --labels $LABELS --markers 5 --out "$OUT/sc" --quiet
head -3 "$OUT/sc/labels-gmm.csv"

# The three files of a 10x folder also work, and so do .h5ad (--labels COLUMN then names an obs column)
# and 10x .h5 files. --json prints the summary for scripts.
$EMGPU sc data/pbmc3k/matrix.mtx.gz data/pbmc3k/genes.tsv.gz data/pbmc3k/barcodes.tsv.gz --k 8 --json > "$OUT/summary.json"
