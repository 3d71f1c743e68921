/** `emgpu --help` and `emgpu COMMAND --help`. */
import type { Command } from './commands.js';

export const HELP = `emgpu: clustering on the GPU through WebGPU, with CPU backends behind the same API.

Usage:
  emgpu sc FILE|DIR --k K [options]       single-cell counts: QC, normalise, HVG, scale, PCA, then a model
                                          (k-means, Gaussian or NB mixture, or Leiden: --model leiden)
  emgpu kmeans [FILE] --k K [options]     k-means (Lloyd, k-means++)
  emgpu softkmeans [FILE] --k K [options] soft k-means with stiffness --beta
  emgpu gmm [FILE] --k K [options]        Gaussian mixture (--covariance full|diag|tied|spherical)
  emgpu nb [FILE] --k K [options]         negative-binomial mixture of counts
  emgpu select [FILE] [options]           choose k by BIC, AIC or the inertia elbow (--ks 2..12)
  emgpu worker [OP] [--serve]             shard statistics and M-steps as JSON (docs/worker-format.md)
  emgpu COMMAND --help                    that command's options
  emgpu --help | --version

FILE is a matrix with one sample per row: .csv, .tsv or .txt (delimited text), or .mtx
(MatrixMarket: a 10x matrix.mtx's columns, the cells, become the samples), each optionally
gzip-compressed. Without FILE, the matrix commands run on the bundled scikit-learn digits
(1797 images x 64 pixels, k = 10), or --dataset iris (150 x 4, k = 3), and are scored against
the true classes.

Exit status: 0 success, 1 error while running, 2 bad command line.
`;

const COMMON = `Common options:
      --backend B         auto (default: WebGPU on a hardware GPU, else the CPU), webgpu, wasm,
                          reference (the float64 oracle), cpu (the fastest CPU backend)
      --seed S            random seed, a non-negative integer (default 0): same seed and backend, same result
      --n-init N          restarts, the best kept
      --max-iter N        iterations per restart
      --tol X             convergence tolerance
      --json              print the result summary as JSON on stdout
  -q, --quiet             print nothing but errors (and --json output)
      --no-progress       no progress line (it is shown only when stderr is a terminal)
  -h, --help              this help
`;

const READER = `Input (FILE, or a bundled dataset):
      --dataset D         digits (default) or iris, when no FILE is given
      --delimiter D       comma, tab or whitespace (default: from the extension, else detected)
      --header, --no-header        the first line names the columns (default: detected)
      --row-names, --no-row-names  the first column names the rows (default: detected)
      --label-column C    split off column C (0-based, or 'last') as true labels and report
                          the adjusted Rand index and NMI against them
      --skip-lines N      skip N lines at the top of the file
      --max-dense N       refuse to densify a .mtx with more than N entries (default 5e7)
`;

const OUT_LABELS = `  -o, --out FILE          write the labels as CSV: id,label (id: the row name, else the row index)`;
const OUT_POSTERIOR = `  -o, --out FILE          write the labels as CSV: id,label,max_posterior`;

const TOPICS: Record<Command, string> = {
  kmeans: `Usage: emgpu kmeans [FILE] --k K [options]

k-means (Lloyd's algorithm, scikit-learn's KMeans semantics) with k-means++ seeding.

  -k, --k K               number of clusters (required with FILE; default the bundled classes)
      --init I            k-means++ (default) or random
      --n-init N|auto     restarts (default auto: 1 for k-means++, 10 for random)
      --max-iter N        default 300; --tol X: centroid shift relative to the mean variance (default 1e-4)
${OUT_LABELS}
${COMMON}
${READER}`,
  softkmeans: `Usage: emgpu softkmeans [FILE] --k K [options]

Soft k-means: responsibilities r_ik proportional to exp(-beta ||x_i - c_k||^2); beta -> infinity is k-means.

  -k, --k K               number of clusters (required with FILE)
      --beta B            stiffness, > 0 (default 1; scale it as 1 / a typical squared distance)
      --init I            k-means++ (default) or random
${OUT_POSTERIOR}
${COMMON}
${READER}`,
  gmm: `Usage: emgpu gmm [FILE] --k K [options]

Gaussian mixture by EM (scikit-learn's GaussianMixture semantics, k-means initialisation).

  -k, --k K               number of components (required with FILE)
      --covariance C      full (default), diag, tied or spherical
      --reg-covar X       added to covariance diagonals (default 1e-6)
      --n-init N          restarts from k-means starts, the best likelihood kept (default 10)
      --max-iter N        default 100; --tol X: change of the mean log-likelihood (default 1e-3)
${OUT_POSTERIOR}
${COMMON}
${READER}`,
  nb: `Usage: emgpu nb [FILE] --k K [options]

Negative-binomial mixture of counts (rows are cells or samples, columns genes or features): each
component has a mean per feature, with per-cell size factors and per-feature dispersion.

  -k, --k K               number of components (required with FILE)
      --dispersion D      per-gene (default), shared, or a fixed value phi > 0
      --size-factors S    library (default: total count / mean total) or none
      --n-init N|auto     restarts, the best likelihood kept (default auto: 10)
${OUT_POSTERIOR}
${COMMON}
${READER}`,
  select: `Usage: emgpu select [FILE] [options]

Fit the model for each candidate k and choose k: lowest BIC or AIC, or the elbow of the inertia curve.

      --model M           gmm (default) or kmeans
      --ks LIST           candidate ks: 2..12 (default), or 2,4,8
      --criterion C       bic (default for gmm), aic, clbic (default for kmeans: classification BIC), or inertia (the elbow)
      --covariance C      for gmm: full (default), diag, tied or spherical
  -o, --out FILE          write the table as CSV: k,objective,log_likelihood,bic,aic,n_parameters,n_iter,converged,time_ms
${COMMON}
${READER}`,
  sc: `Usage: emgpu sc FILE|DIR --k K [options]
       emgpu sc FILE|DIR --select [--ks 2..12] [options]
       emgpu sc FILE|DIR --model leiden [--resolution 1 | --select] [options]

Cluster single-cell counts: QC -> normalise (1e4, log1p) -> highly variable genes (Seurat v3) ->
scale -> PCA -> [Harmony, --integrate] -> the model: k-means or a Gaussian mixture on the PCs,
Leiden on Seurat's shared-nearest-neighbour graph of the PCs (as Seurat's FindNeighbors +
FindClusters, scanpy's neighbors + leiden), or the negative-binomial mixture on the raw counts
of the highly variable genes.

Input: an AnnData .h5ad, a 10x Cell Ranger .h5, a 10x folder (matrix.mtx(.gz), features.tsv(.gz)
or genes.tsv(.gz), barcodes.tsv(.gz)), those three files, or an AnnData Zarr store (always
streamed). A single .h5ad, .h5 or Zarr store is streamed from disk by chunks of cells with --stream,
or when loading it whole would pass --max-bytes (the NB mixture then is the streamed fit: one start).

  -k, --k K               number of clusters (of kmeans, gmm and nb; refused with leiden alone)
      --select            choose k instead, from --ks (default 2..12) by --criterion
                          (kmeans: the inertia elbow; gmm and nb: bic), then fit that k; for
                          leiden, choose the resolution from --resolutions by co-clustering
                          stability over subsamples (chooseR; --criterion cocluster, the default,
                          or silhouette when leiden is the only model)
      --model M           kmeans (default), gmm, nb or leiden, or several: kmeans,leiden
      --resolution R      leiden: the resolution, > 0 (default 1, as scanpy; higher, more clusters)
      --resolutions LIST  leiden --select: the candidates (default 0.05,0.1,0.2,...,1,1.2,1.5,2,3)
      --neighbors N       leiden: other cells per cell in the kNN graph (default 19: Seurat's k.param 20)
      --graph-pcs N       leiden: the graph is built on the first N PCs (default 20)
      --integrate C       Harmony on the PCs by the batch column C before every model: an obs
                          COLUMN or FILE:COLUMN as --labels (not with nb, which fits raw counts);
                          the summary gives the median iLISI before and after
      --harmony-theta X   Harmony's diversity penalty, >= 0 (default 2)
      --covariance C      for gmm: full (default), diag, tied or spherical
      --n-pcs N           principal components (default 50)
      --n-top-genes N     highly variable genes (default 2000)
      --min-genes N       QC: keep cells with at least N genes detected (default 200)
      --max-genes N       QC: and at most N (default: no limit)
      --max-pct-mito P    QC: and at most P % mitochondrial counts (genes MT-*; default: no limit)
      --min-cells N       keep genes detected in at least N cells (default 3)
      --labels L          true labels to score against (ARI, NMI): an obs COLUMN of an .h5ad, or
                          FILE:COLUMN, a CSV(.gz) whose first column is the cell barcode
      --markers N         the top N marker genes per cluster (Wilcoxon rank-sum, as scanpy)
      --stream            preprocess in passes over chunks of cells (QC, HVG, scale and PCA never
                          hold the matrix or a dense copy; same results); not with --markers
      --max-bytes B       the most loading the matrix whole may take (default 2GiB); a single .h5ad or
                          .h5 above it streams instead (as --stream), a 10x folder is refused
  -o, --out DIR           write DIR/labels-MODEL.csv (cell,label,max_posterior; 1 for the hard
                          kmeans and leiden labels), DIR/summary.json and, with --markers,
                          DIR/markers-MODEL.csv
${COMMON}
Example (the bundled PBMC 3k, the Seurat tutorial's QC, scored against its annotation):
  emgpu sc data/pbmc3k --k 8 --max-genes 2500 --max-pct-mito 5 \\
    --labels data/pbmc3k/pbmc3k_labels.csv.gz:seurat_annotation --markers 5 --out pbmc3k-out
Leiden as Seurat clusters by default, and with the resolution chosen:
  emgpu sc data/pbmc3k --model leiden --max-genes 2500 --max-pct-mito 5
  emgpu sc data/pbmc3k --model leiden --select --max-genes 2500 --max-pct-mito 5
`,
};

export function helpText(topic?: Command): string {
  return topic ? TOPICS[topic] : HELP;
}
