export { leiden } from './leiden.js';
export type { LeidenObjective, LeidenOptions, LeidenResult } from './types.js';
