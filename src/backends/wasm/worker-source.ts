/**
 * The worker's program, as source text so it needs no bundler support: Node runs it with
 * `new Worker(src, { eval: true })`, browsers from a Blob URL. It instantiates the kernels over
 * the shared memory, then for each run claims blocks from a shared counter (Atomics.add) and runs
 * the kernel on each; every block writes only its own rows and partials, so which worker ran
 * which block never changes a bit.
 */
export const WORKER_SOURCE = `
const node = typeof self === 'undefined';
const port = node ? require('node:worker_threads').parentPort : self;
let kernels = null;
let memory = null;
async function handle(m) {
  try {
    if (m.type === 'init') {
      memory = m.memory;
      const instance = await WebAssembly.instantiate(m.module, { env: { memory } });
      kernels = instance.exports;
      port.postMessage({ type: 'ready' });
      return;
    }
    if (m.type === 'run') {
      const counter = new Int32Array(memory.buffer, m.counter, 1);
      const fn = kernels[m.kernel];
      let done = 0;
      for (;;) {
        const b = Atomics.add(counter, 0, 1);
        if (b >= m.nBlocks) break;
        const r0 = b * m.blockRows;
        const r1 = Math.min(m.n, r0 + m.blockRows);
        fn(r0, r1, m.part ? m.part + b * m.partStride : 0, ...m.args);
        done++;
      }
      port.postMessage({ type: 'done', done });
    }
  } catch (e) {
    port.postMessage({ type: 'error', message: String((e && e.stack) || e) });
  }
}
if (node) port.on('message', handle);
else self.onmessage = (e) => handle(e.data);
`;
