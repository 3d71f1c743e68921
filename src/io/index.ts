/** Pure readers (no Node built-ins); the file layer is in ./node.ts. */
export { parseDelimited, splitFields } from './delimited.js';
export type { Delimiter, DelimitedOptions, DelimitedResult } from './delimited.js';
export { parseMatrixMarket, DEFAULT_MAX_DENSE_ENTRIES } from './mtx.js';
export type { MatrixMarketOptions, MatrixMarketResult } from './mtx.js';
