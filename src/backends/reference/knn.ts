/**
 * The reference implementation of the kNN contract (graph/knn-backend.ts): every pair of rows
 * of the search space in float64, plainly, keeping each row's m nearest (ties to the lower index).
 */
import type { KnnBackend } from '../../graph/knn-backend.js';
import { abortCheckpoint } from '../../core/yield.js';
import { throwIfAborted } from '../../errors.js';

export const referenceKnn: KnnBackend = {
  async candidates(_engine, { n, d, x, m }, { signal }) {
    const indices = new Int32Array(n * m).fill(-1);
    const sq = new Float64Array(n * m).fill(Infinity);
    // Yield every few ms so a timer's abort lands promptly.
    const last = { t: performance.now() };
    throwIfAborted(signal);
    for (let i = 0; i < n; i++) {
      await abortCheckpoint(signal, last);
      const o = i * m;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        let s = 0;
        for (let f = 0; f < d; f++) {
          const t = x[i * d + f] - x[j * d + f];
          s += t * t;
        }
        if (!(s < sq[o + m - 1])) continue;
        // j rises, so entries equal to s have lower indices and stay ahead.
        let p = m - 1;
        while (p > 0 && sq[o + p - 1] > s) {
          sq[o + p] = sq[o + p - 1];
          indices[o + p] = indices[o + p - 1];
          p--;
        }
        sq[o + p] = s;
        indices[o + p] = j;
      }
    }
    return { indices, sq, unitRoundoff: 2 ** -53 };
  },
};
