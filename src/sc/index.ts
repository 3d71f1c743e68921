/** The single-cell stages (QC, normalise, HVG, scale, PCA, markers, synthetic counts); loaders are in ../io. */
export { qcMetrics, filterCells, filterGenes, isOutlier, mitoMaskFor } from './qc.js';
export { subsetCsr } from './matrix.js';
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
} from './qc.js';
export { highlyVariableGenes } from './hvg.js';
export type { HvgFlavor, HvgOptions, HvgResult } from './hvg.js';
export { loess } from './loess.js';
export type { LoessOptions } from './loess.js';
export { pca } from './pca.js';
export type { PcaOptions, PcaResult, DenseInput } from './pca.js';
export { preprocess, normalizeTotal, scaleData, STAGES as PREPROCESS_STAGES } from './preprocess.js';
export type {
  NormalizeOptions,
  NormalizedCsr,
  ScaleOptions,
  ScaleStats,
  ScaledMatrix,
  Stage as PreprocessStage,
  StageEvent as PreprocessStageEvent,
  PreprocessOptions,
  PreprocessResult,
} from './preprocess.js';
export { sampleNbMixture, sampleNegativeBinomial, samplePoisson, sampleGamma } from './synthetic.js';
export type { NbMixtureParams, SampleNbOptions, SyntheticCounts } from './synthetic.js';
