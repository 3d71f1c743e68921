/** One-pass fits (issue 16): mini-batch k-means and stepwise EM for the mixtures, over matrices or RowSources. */
export { miniBatchKMeans, partialFit } from './minibatch-api.js';
export type { MiniBatchKMeansOptions, MiniBatchKMeansResult, MiniBatchKMeansState, PartialFitOptions } from './minibatch-api.js';
export { onlineGmm } from './online-gmm.js';
export type { OnlineGmmOptions, OnlineGmmResult } from './online-gmm.js';
export { onlineNb } from './online-nb.js';
export type { OnlineNbOptions, OnlineNbResult } from './online-nb.js';
export { DEFAULT_STEP_DECAY, DEFAULT_STEP_OFFSET } from './options.js';
export type { StepSchedule } from './options.js';
