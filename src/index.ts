/**
 * emgpu: clustering on the GPU through WebGPU, with a float64 CPU reference behind the same API.
 *
 *   const result = await kmeans(data, { k: 10, seed: 1 });
 */
// Backends register their single-cell implementations when imported.
import './backends/reference/sc-register.js';
import './backends/webgpu/sc-register.js';
import { engineFor, type Engine, type EngineOptions, type EngineSelection } from './engine/engine.js';
import { selectK as selectKWith, type SelectKOptions, type SelectKResult } from './select/selectK.js';
import type { DataInput } from './data.js';
import type {
  BackendChoice,
  CentroidModel,
  GaussianMixtureOptions,
  GaussianMixtureResult,
  KMeansOptions,
  KMeansResult,
  SoftKMeansOptions,
  SoftKMeansResult,
} from './types.js';

export { createEngine, defaultEngine, engineFor } from './engine/engine.js';
export { describeAdapter } from './gpu/device.js';
export type { Engine, EngineOptions, EngineSelection } from './engine/engine.js';
export * from './errors.js';
export type * from './types.js';
export type { DataInput, Matrix } from './data.js';
export { Rng } from './engine/rng.js';
export { elbow, kmeansInformation } from './select/selectK.js';
export type { SelectKOptions, SelectKResult, SelectKRow, SelectModel, Criterion } from './select/selectK.js';
export { adjustedRandIndex, normalizedMutualInfo } from './metrics.js';
export type { NmiAverage } from './metrics.js';
export { parseDelimited, parseMatrixMarket } from './io/index.js';
export type { DelimitedOptions, DelimitedResult, MatrixMarketOptions, MatrixMarketResult } from './io/index.js';

type WithEngine<T> = T & EngineSelection;

/** Hard k-means (Lloyd) with k-means++ seeding and restarts. */
export async function kmeans(data: DataInput, options: WithEngine<KMeansOptions>): Promise<KMeansResult> {
  return (await engineFor(options)).kmeans(data, options);
}

/** Soft k-means with stiffness β. */
export async function softKMeans(data: DataInput, options: WithEngine<SoftKMeansOptions>): Promise<SoftKMeansResult> {
  return (await engineFor(options)).softKMeans(data, options);
}

/** Gaussian mixture by EM: covariance 'full' | 'diag' | 'spherical' | 'tied', optional MAP priors. */
export async function gaussianMixture(data: DataInput, options: WithEngine<GaussianMixtureOptions>): Promise<GaussianMixtureResult> {
  return (await engineFor(options)).gaussianMixture(data, options);
}

/** Fit the model for each k and choose one by BIC, AIC or the elbow of the inertia curve. */
export async function selectK(
  data: DataInput,
  options: SelectKOptions & { backend?: BackendChoice; engine?: Engine } = {},
): Promise<SelectKResult> {
  return selectKWith(await engineFor(options), data, options);
}

/** Nearest-centroid labels for new data. */
export async function predict(
  model: CentroidModel,
  X: DataInput,
  options?: { backend?: BackendChoice; engine?: Engine },
): Promise<number[]> {
  return (await engineFor(options)).predict(model, X);
}

/** Euclidean distances from new data to every centroid (n × k). */
export async function transform(
  model: CentroidModel,
  X: DataInput,
  options?: { backend?: BackendChoice; engine?: Engine },
): Promise<number[][]> {
  return (await engineFor(options)).transform(model, X);
}

export type { EngineOptions as CreateEngineOptions };

// negative-binomial mixture
export type {
  CsrCounts,
  CountsInput,
  SizeFactorsOption,
  DispersionOption,
  NegativeBinomialMixtureOptions,
  NegativeBinomialMixtureResult,
  NegativeBinomialModel,
  NbScoreOptions,
} from './nbmm/types.js';
export { nbmmPredict, nbmmPredictProba, nbmmScoreSamples } from './nbmm/api.js';
import { negativeBinomialMixtureOn } from './nbmm/api.js';
import type {
  CountsInput as NbCounts,
  NegativeBinomialMixtureOptions as NbOptions,
  NegativeBinomialMixtureResult as NbResult,
} from './nbmm/types.js';

/** Negative-binomial mixture of counts (cells × genes, dense or CSR) by EM, with size factors and per-gene dispersion. */
export async function negativeBinomialMixture(counts: NbCounts, options: WithEngine<NbOptions>): Promise<NbResult> {
  return negativeBinomialMixtureOn(await engineFor(options), counts, options);
}

// single-cell: loaders
export {
  read10x,
  readMatrixMarketCsr,
  find10xInputs,
  read10xH5,
  readH5ad,
  readH5adFromFile,
  estimateMemory,
  formatBytes,
  MemoryLimitError,
  makeUnique,
} from './io/index.js';
export type {
  Read10xFiles,
  Read10xOptions,
  MatrixMarketCsr,
  MatrixMarketCsrOptions,
  Read10xH5Options,
  ReadH5adOptions,
  ByteInput,
  CsrMatrix,
  Embedding,
  H5adMatrixSource,
  LoadOptions,
  LoadPhase,
  LoadProgress,
  MemoryEstimate,
  ObsColumn,
  ScFormat,
  ScSource,
  SingleCellData,
} from './io/index.js';

// single-cell: markers and agreement
export { rankGenes, confusionMatrix, transposeCsr } from './sc/markers.js';
export type { MarkerGene, MarkerOptions } from './sc/markers.js';

// single-cell: preprocessing
export {
  qcMetrics,
  filterCells,
  filterGenes,
  isOutlier,
  subsetCsr,
  mitoMaskFor,
  highlyVariableGenes,
  loess,
  pca,
  preprocess,
  normalizeTotal,
  scaleData,
  PREPROCESS_STAGES,
} from './sc/index.js';
export type {
  QcOptions,
  QcMetrics,
  OutlierOptions,
  OutlierResult,
  MadFilterOptions,
  CellFilterOptions,
  CellFilterResult,
  GeneFilterOptions,
  GeneFilterResult,
  HvgFlavor,
  HvgOptions,
  HvgResult,
  LoessOptions,
  PcaOptions,
  PcaResult,
  DenseInput,
  NormalizeOptions,
  NormalizedCsr,
  ScaleOptions,
  ScaleStats,
  ScaledMatrix,
  PreprocessStage,
  PreprocessStageEvent,
  PreprocessOptions,
  PreprocessResult,
} from './sc/index.js';

// single-cell: synthetic counts at scale
export { sampleNbMixture, sampleNegativeBinomial, samplePoisson, sampleGamma } from './sc/index.js';
export type { NbMixtureParams, SampleNbOptions, SyntheticCounts } from './sc/index.js';
