/**
 * A small validator for results files (schema emgpu-bench/2): every field the markdown and the
 * README rely on is present and of the right type, statistics are ordered (min ≤ q1 ≤ median ≤
 * q3 ≤ max), counts are consistent. Returns a list of problems (empty = valid). Used by the
 * tests and by both front ends before they write a file.
 */
import { PRESETS } from './cases.js';
import { SCHEMA } from './report.js';

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

class Checker {
  readonly errors: string[] = [];
  at(path: string, ok: boolean, what: string): boolean {
    if (!ok) this.errors.push(`${path}: ${what}`);
    return ok;
  }
  num(o: Obj, key: string, path: string, opts: { min?: number; nullable?: boolean; optional?: boolean } = {}): void {
    const v = o[key];
    if (v === undefined && opts.optional) return;
    if (v === null && opts.nullable) return;
    if (this.at(`${path}.${key}`, isNum(v), `expected a finite number, got ${JSON.stringify(v)}`) && opts.min !== undefined) {
      this.at(`${path}.${key}`, (v as number) >= opts.min, `expected >= ${opts.min}, got ${v}`);
    }
  }
  str(o: Obj, key: string, path: string, opts: { nullable?: boolean; optional?: boolean; oneOf?: readonly string[] } = {}): void {
    const v = o[key];
    if (v === undefined && opts.optional) return;
    if (v === null && opts.nullable) return;
    if (this.at(`${path}.${key}`, typeof v === 'string', `expected a string, got ${JSON.stringify(v)}`) && opts.oneOf) {
      this.at(`${path}.${key}`, opts.oneOf.includes(v as string), `expected one of ${opts.oneOf.join(', ')}, got ${JSON.stringify(v)}`);
    }
  }
  stats(o: Obj, key: string, path: string): void {
    const s = o[key];
    const p = `${path}.${key}`;
    if (!this.at(p, isObj(s), 'expected a statistics object')) return;
    const before = this.errors.length;
    const st = s as Obj;
    for (const f of ['count', 'median', 'min', 'max', 'q1', 'q3', 'iqr', 'mean']) this.num(st, f, p, { min: f === 'count' ? 1 : 0 });
    if (this.errors.length > before) return;
    const [min, q1, med, q3, max] = [st.min, st.q1, st.median, st.q3, st.max] as number[];
    this.at(p, min <= q1 && q1 <= med && med <= q3 && q3 <= max, `quantiles out of order: ${min} ${q1} ${med} ${q3} ${max}`);
    this.at(p, Math.abs((st.iqr as number) - (q3 - q1)) <= 1e-9 * Math.max(1, q3), 'iqr ≠ q3 − q1');
  }
}

function checkImpl(ch: Checker, im: unknown, path: string, repeats: number): void {
  if (!ch.at(path, isObj(im), 'expected an object')) return;
  const o = im as Obj;
  ch.str(o, 'impl', path, { oneOf: ['emgpu', 'cpu-reference', 'ml-kmeans', 'skmeans', 'scikit-learn'] });
  ch.str(o, 'label', path);
  ch.str(o, 'backend', path);
  ch.str(o, 'status', path, { oneOf: ['ok', 'skipped', 'error'] });
  ch.num(o, 'fits', path, { min: 0 });
  if (o.status !== 'ok') {
    ch.str(o, 'note', path);
    return;
  }
  ch.at(`${path}.fits`, o.fits === repeats, `expected ${repeats} timed fits, got ${o.fits}`);
  for (const k of ['perIterMs', 'totalMs', 'wallMs', 'initMs']) ch.stats(o, k, path);
  if (o.gpuMsPerIter !== undefined) ch.stats(o, 'gpuMsPerIter', path);
  ch.num(o, 'nIter', path, { min: 1 });
  ch.num(o, 'objective', path);
  ch.at(
    `${path}.nIterAll`,
    Array.isArray(o.nIterAll) && (o.nIterAll as unknown[]).length === repeats,
    'expected one iteration count per fit',
  );
  ch.num(o, 'gbPerS', path, { min: 0, nullable: true });
  ch.num(o, 'gflopPerS', path, { min: 0, nullable: true });
  ch.num(o, 'inertia64', path, { min: 0, optional: true });
  ch.num(o, 'ari', path, { optional: true });
  if (o.gpu !== undefined) {
    const p = `${path}.gpu`;
    if (ch.at(p, isObj(o.gpu), 'expected an object')) {
      const g = o.gpu as Obj;
      for (const f of ['dispatchesPerIter', 'submitsPerIter', 'readbacksPerIter', 'bytesReadPerIter', 'peakAllocatedBytes', 'chunks'])
        ch.num(g, f, p, { min: 0 });
      // Absent from results written before the data-pass counters existed.
      for (const f of ['dataPassesPerIter', 'dataBytesPerIter']) ch.num(g, f, p, { min: 0, optional: true });
      ch.at(`${p}.sameAcrossRepeats`, typeof g.sameAcrossRepeats === 'boolean', 'expected a boolean');
    }
  }
  if (o.impl === 'emgpu') ch.at(`${path}.vsEmgpu`, o.vsEmgpu === undefined, 'emgpu is not compared with itself');
  else if (o.vsEmgpu !== undefined) {
    const p = `${path}.vsEmgpu`;
    if (ch.at(p, isObj(o.vsEmgpu), 'expected an object'))
      for (const f of ['perIterRatio', 'wallRatio', 'objectiveRel']) ch.num(o.vsEmgpu as Obj, f, p);
  }
  ch.at(
    `${path}.samples`,
    Array.isArray(o.samples) && (o.samples as unknown[]).length === repeats,
    'expected the raw figures of every fit',
  );
}

function checkCase(ch: Checker, c: unknown, path: string): void {
  if (!ch.at(path, isObj(c), 'expected an object')) return;
  const o = c as Obj;
  ch.str(o, 'id', path);
  ch.str(o, 'title', path);
  ch.str(o, 'model', path, { oneOf: ['kmeans', 'soft-kmeans', 'gmm', 'nbmm', 'select-k'] });
  ch.str(o, 'status', path, { oneOf: ['ok', 'skipped', 'error'] });
  ch.num(o, 'repeats', path, { min: 1 });
  ch.num(o, 'maxIter', path, { min: 1 });
  ch.at(`${path}.notes`, Array.isArray(o.notes), 'expected an array');
  ch.at(`${path}.params`, isObj(o.params), 'expected an object');
  if (o.status === 'skipped') {
    ch.str(o, 'skipReason', path);
    return;
  }
  if (o.status === 'error') {
    ch.at(
      `${path}`,
      typeof o.error === 'string' || (Array.isArray(o.impls) && (o.impls as Obj[]).some((i) => i.status === 'error')),
      'an errored case says why',
    );
    return;
  }
  ch.str(o, 'init', path);
  ch.str(o, 'objectiveName', path);
  ch.str(o, 'objectiveSense', path, { oneOf: ['min', 'max'] });
  const data = o.data as Obj;
  if (ch.at(`${path}.data`, isObj(data), 'expected an object')) {
    ch.str(data, 'description', `${path}.data`);
    ch.num(data, 'n', `${path}.data`, { min: 1 });
    ch.num(data, 'd', `${path}.data`, { min: 1 });
  }
  if (o.model !== 'select-k') {
    const w = o.work as Obj;
    if (ch.at(`${path}.work`, isObj(w), 'expected the work model')) {
      ch.num(w, 'bytes', `${path}.work`, { min: 1 });
      ch.num(w, 'flops', `${path}.work`, { min: 1 });
      ch.str(w, 'formula', `${path}.work`);
    }
  } else {
    ch.at(`${path}.sweep`, isObj(o.sweep), 'a k sweep has its per-k table');
  }
  const impls = o.impls as unknown[];
  if (ch.at(`${path}.impls`, Array.isArray(impls) && impls.length >= 2, 'expected emgpu and the CPU reference at least')) {
    ch.at(`${path}.impls[0]`, (impls[0] as Obj)?.impl === 'emgpu', 'emgpu comes first');
    ch.at(
      `${path}.impls`,
      impls.some((i) => (i as Obj)?.impl === 'cpu-reference'),
      'the CPU reference is listed (run or skipped with a reason)',
    );
    impls.forEach((im, i) => checkImpl(ch, im, `${path}.impls[${i}]`, o.repeats as number));
  }
  ch.num(o, 'referenceRelDiff', path, { min: 0, nullable: true });
}

export function validateBenchResult(x: unknown): string[] {
  const ch = new Checker();
  if (!ch.at('result', isObj(x), 'expected an object')) return ch.errors;
  const r = x as Obj;
  ch.at('schema', r.schema === SCHEMA, `expected ${SCHEMA}, got ${JSON.stringify(r.schema)}`);
  ch.at('date', typeof r.date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(r.date), 'expected YYYY-MM-DD');
  ch.str(r, 'createdAt', 'result');
  ch.str(r, 'preset', 'result', { oneOf: PRESETS });
  ch.str(r, 'frontEnd', 'result', { oneOf: ['browser', 'node'] });
  ch.str(r, 'adapterSlug', 'result');
  ch.str(r, 'node', 'result');
  ch.str(r, 'platform', 'result');
  ch.at('timing', r.timing === 'wall' || r.timing === 'timestamp', "expected 'wall' or 'timestamp'");
  ch.str(r, 'timingReason', 'result');
  ch.num(r, 'refCapFlops', 'result', { min: 0 });
  ch.num(r, 'durationMs', 'result', { min: 0 });
  ch.at('notes', Array.isArray(r.notes), 'expected an array');
  const e = r.engine as Obj;
  if (ch.at('engine', isObj(e), 'expected an object')) {
    ch.str(e, 'requested', 'engine');
    ch.str(e, 'backend', 'engine', { oneOf: ['webgpu', 'wasm', 'reference', 'cpu'] });
    ch.str(e, 'adapter', 'engine');
    ch.at('engine.software', typeof e.software === 'boolean', 'expected a boolean');
    ch.str(e, 'fallbackReason', 'engine', { nullable: true });
  }
  const cases = r.cases as unknown[];
  if (ch.at('cases', Array.isArray(cases) && cases.length > 0, 'expected a non-empty array')) {
    cases.forEach((c, i) => checkCase(ch, c, `cases[${i}]`));
    const ids = cases.map((c) => (c as Obj)?.id);
    ch.at('cases', new Set(ids).size === ids.length, 'case ids are unique');
  }
  return ch.errors;
}
