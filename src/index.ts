/// <reference types="@webgpu/types" preserve="true" />
/**
 * emgpu: clustering on the GPU through WebGPU, with a float64 CPU reference behind the same API.
 *
 *   const result = await kmeans(data, { k: 10, seed: 1 });
 */
// Backends register their implementations of the model contracts when imported.
import './backends/reference/index.js';
import './backends/webgpu/index.js';
import './backends/wasm/index.js';

export { createEngine, defaultEngine, engineFor } from './engine/engine.js';
export { describeAdapter } from './gpu/device.js';
export type { Engine, EngineOptions, EngineSelection } from './engine/engine.js';
export * from './errors.js';
export type * from './types.js';
export type { DataInput, Matrix } from './data.js';
export { Rng } from './core/rng.js';
export { registerBackend, registerImplementation, registerAlias, registeredBackends, openableBackends } from './core/registry.js';
export type { BackendProvider, EngineInstance, OpenedBackend } from './core/registry.js';
export { elbow, kmeansInformation, selectK } from './select/selectK.js';
export { kmeans, softKMeans, transform } from './kmeans/api.js';
export { predict, predictProba, scoreSamples } from './scoring.js';
export type { FittedModel, ScoreOptions } from './scoring.js';
export { gaussianMixture } from './gmm/api.js';
export type { SelectKOptions, SelectKResult, SelectKRow, SelectModel, Criterion } from './select/selectK.js';
export { adjustedRandIndex, normalizedMutualInfo } from './metrics.js';
export { makeBlobs } from './datasets/blobs.js';
export type { Blobs, BlobsOptions } from './datasets/blobs.js';
export type { NmiAverage } from './metrics.js';
export { parseDelimited, parseMatrixMarket } from './io/index.js';
export type { DelimitedOptions, DelimitedResult, MatrixMarketOptions, MatrixMarketResult } from './io/index.js';

export type { EngineOptions as CreateEngineOptions } from './engine/engine.js';

// negative-binomial mixture
export type {
  CountsInput,
  SizeFactorsOption,
  DispersionOption,
  NegativeBinomialMixtureOptions,
  NegativeBinomialMixtureResult,
  NegativeBinomialModel,
  NbScoreOptions,
} from './nbmm/types.js';
export { negativeBinomialMixture } from './nbmm/api.js';
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
  DEFAULT_MAX_BYTES,
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

// batch integration: Harmony
export { harmony } from './harmony/api.js';
export { lisi } from './harmony/lisi.js';
export type { HarmonyOptions, HarmonyResult, BatchLabels } from './harmony/types.js';
export type { LisiOptions } from './harmony/lisi.js';
// graph: kNN and SNN
export { knn, type KnnOptions } from './graph/knn.js';
export { snnGraph, type SnnOptions } from './graph/snn.js';
export type { KnnMetric, KnnResult, WeightedGraph } from './graph/types.js';
// graph: Leiden
export { leiden } from './leiden/index.js';
export type { LeidenObjective, LeidenOptions, LeidenResult } from './leiden/index.js';
// merge tree
export { mergeComponents } from './merge/api.js';
export type { MergeComponentsOptions } from './merge/api.js';
export { cutMergeTree, mergeTreeGroups } from './merge/tree.js';
export type { MergeTree } from './merge/tree.js';
// selection
export { DEFAULT_CRITERION, chooseK } from './select/selectK.js';
export {
  clusterScatter,
  gmmParameters,
  icl,
  information,
  nbParameters,
  posteriorTerms,
  xmeansInformation,
} from './select/criteria.js';
export { silhouetteOfRows, subsampleRows } from './select/silhouette.js';
export { gapChoice, gapValue } from './select/resample.js';
export type { FitResult as SelectKFit } from './select/selectK.js';
// graph: UMAP
export { umap } from './umap/index.js';
export type { UmapInit, UmapInput, UmapOptions, UmapProgress, UmapResult } from './umap/index.js';
export { fuzzySimplicialSet } from './graph/fuzzy.js';
export type { FuzzyOptions } from './graph/fuzzy.js';
// streaming: row sources and passes (issue 16)
export { chunkRanges, forEachChunk, csrSource, denseSource, DEFAULT_CHUNK_BYTES } from './stream/index.js';
export type { CsrBlock, CsrSource, DenseBlock, DenseSource, RowSource, ChunkRange, PassProgress, PassOptions } from './stream/index.js';
// backed sources (issue 16)
export { openH5adSource } from './io/backed/h5ad-source.js';
export type { OpenH5adSourceOptions, BackedCsrSource, BackedDenseSource, BackedSourceInfo } from './io/backed/h5ad-source.js';
export { open10xH5Source } from './io/backed/10x-source.js';
export type { Open10xH5SourceOptions } from './io/backed/10x-source.js';
export type { BackedAccess } from './io/backed/open.js';
// zarr (issue 16): AnnData Zarr stores as chunked row sources (zarrita, loaded on first use) and the in-memory loader
export { openZarrSource, readZarr } from './io/zarr/index.js';
export type {
  OpenZarrSourceOptions,
  ReadZarrOptions,
  ZarrCsrSource,
  ZarrDenseSource,
  ZarrInput,
  ZarrSourceInfo,
  ZarrStoreLike,
} from './io/zarr/index.js';
// shard statistics and streamed fits (issue 16)
export { SHARD_MODELS, finishGlobals, mStep, shardGlobals, shardStatistics, sumStatistics } from './shard/api.js';
export type { MStepOptions, ShardGlobalsOptions, ShardStatisticsOptions } from './shard/api.js';
export { gmmStream, kmeansStream, nbStream, softKMeansStream } from './shard/stream.js';
export type {
  GmmStreamOptions,
  NbStreamOptions,
  SoftKMeansStreamOptions,
  StreamFitOptions,
  StreamFitResult,
} from './shard/stream-options.js';
export { fromExactJson, toExactJson } from './shard/json.js';
export type { ShardBlock } from './shard/block.js';
export type {
  FarthestRow,
  GlobalStatistics,
  GmmShardParams,
  GmmStatistics,
  KMeansShardParams,
  KMeansStatistics,
  MStepOutput,
  NbGlobals,
  NbShardParams,
  NbStatistics,
  ShardModel,
  ShardModelOptions,
  ShardParams,
  ShardStatistics,
} from './shard/types.js';
// online fits (issue 16)
export { miniBatchKMeans, partialFit, onlineGmm, onlineNb, DEFAULT_STEP_DECAY, DEFAULT_STEP_OFFSET } from './online/index.js';
export type {
  MiniBatchKMeansOptions,
  MiniBatchKMeansResult,
  MiniBatchKMeansState,
  PartialFitOptions,
  OnlineGmmOptions,
  OnlineGmmResult,
  OnlineNbOptions,
  OnlineNbResult,
  StepSchedule,
} from './online/index.js';
// streaming single-cell pipeline (issue 16)
export { preprocessStream, DEFAULT_TILE_ROWS } from './sc/stream/preprocess.js';
export type { PreprocessStreamOptions, PreprocessStreamResult } from './sc/stream/preprocess.js';
export type { PassRecord } from './sc/stream/passes.js';
export { subsetSource } from './stream/subset.js';
export type { SubsetOptions } from './stream/subset.js';
export { CsrTiler } from './stream/tiles.js';
// emgpu sc from disk (issue 16): the streamed NB fit's per-row labels and largest posterior in one pass
export { nbPosteriorStream } from './shard/stream-posterior.js';
export type { PosteriorStreamResult } from './shard/stream-posterior.js';
// model selection targets (issue 14, select6): the k-means classification BIC
export { classificationInformation, CLBIC_DIMS } from './select/partition.js';
// graph clustering: Leiden's resolution chosen by chooseR's co-clustering stability (issue 14, leidenk)
export { selectResolution, chooseResolution, DEFAULT_RESOLUTIONS, RESOLUTION_CRITERIA } from './select/resolution.js';
export type { SelectResolutionOptions, SelectResolutionResult, ResolutionCriterion, ResolutionRow } from './select/resolution.js';
