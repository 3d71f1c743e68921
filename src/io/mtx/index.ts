/** MatrixMarket readers: dense (parseMatrixMarket) and streamed CSR (readMatrixMarketCsr), over one parser. */
export { parseMatrixMarket, DEFAULT_MAX_DENSE_ENTRIES } from './dense.js';
export type { MatrixMarketOptions, MatrixMarketResult } from './dense.js';
export { readMatrixMarketCsr } from './csr.js';
export type { MatrixMarketCsr, MatrixMarketCsrOptions } from './csr.js';
