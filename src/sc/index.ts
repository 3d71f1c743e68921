export { read10x, readMatrixMarketCsr, find10xInputs } from './read10x.js';
export type { Read10xFiles, Read10xOptions, MatrixMarketCsr, MatrixMarketCsrOptions } from './read10x.js';
export { read10xH5 } from './h5.js';
export type { Read10xH5Options } from './h5.js';
export { readH5ad, readH5adFromFile } from './h5ad.js';
export type { ReadH5adOptions } from './h5ad.js';
export { estimateMemory, formatBytes, MemoryLimitError } from './memory.js';
export {
  canonicalize,
  colSums,
  makeUnique,
  rowCounts,
  rowSums,
  selectColumns,
  toDense,
  transposeCompressed,
  validateCsr,
  FLOAT32_EXACT_INTEGER,
} from './csr.js';
export type { CsrMatrix } from '../sparse.js';
export type {
  ByteInput,
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
} from './types.js';
export { qcMetrics, filterCells, filterGenes, isOutlier, subsetCsr, mitoMaskFor } from './qc.js';
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
