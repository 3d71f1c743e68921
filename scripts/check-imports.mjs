#!/usr/bin/env node
/**
 * The layering rules of ARCHITECTURE.md, checked on every `npm run lint`: no import circles in
 * src/ (type-only imports included), and src/core and src/engine import no model folder and no
 * backend (src/core not src/gpu either); model folders import no backend and no gpu/; gpu/ imports no model. Reads the import and re-export lines of src/**∕*.ts;
 * exits 1 with each cycle and each forbidden import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const MODELS = ['kmeans', 'gmm', 'nbmm', 'sc', 'select', 'graph', 'leiden', 'umap', 'harmony', 'cli', 'backends'];
// Models reach a backend only through the registry; the façade opens backends through their providers.
const MODEL_BANS = ['backends', 'gpu', 'cli'];
const FORBIDDEN = {
  core: [...MODELS, 'engine', 'gpu', 'io'],
  engine: [...MODELS, 'gpu', 'io'],
  kmeans: MODEL_BANS,
  gmm: MODEL_BANS,
  nbmm: MODEL_BANS,
  sc: MODEL_BANS,
  select: MODEL_BANS,
  graph: MODEL_BANS,
  leiden: MODEL_BANS,
  umap: MODEL_BANS,
  harmony: MODEL_BANS,
  io: ['backends', 'gpu', 'cli', 'kmeans', 'gmm', 'nbmm', 'select', 'graph', 'leiden', 'umap', 'harmony'],
  gpu: MODELS,
};
// merge tree (issue 14): a model folder like the others.
FORBIDDEN.merge = MODEL_BANS;
for (const layer of ['core', 'engine', 'io', 'gpu']) FORBIDDEN[layer].push('merge');
// streaming (issue 16): stream/ is a base layer like core (row sources, passes); shard/ (map → sum →
// M-step, streamed and distributed fits) and online/ (minibatch and stepwise fits) are model folders.
FORBIDDEN.stream = [...MODELS, 'engine', 'gpu', 'io', 'merge', 'shard', 'online'];
FORBIDDEN.shard = MODEL_BANS;
FORBIDDEN.online = MODEL_BANS;
for (const layer of ['core', 'engine', 'io', 'gpu']) FORBIDDEN[layer].push('shard', 'online');

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

const SPEC =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Relative imports of a file, resolved to .ts paths under src. */
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const out = [];
  for (const m of text.matchAll(SPEC)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    if (target.startsWith(src) && target.endsWith('.ts')) out.push(target);
  }
  return out;
}

const all = files(src);
const graph = new Map(all.map((f) => [f, importsOf(f)]));
const rel = (f) => relative(src, f);
const problems = [];

// Layering: the first folder under src names the layer.
for (const [file, deps] of graph) {
  const layer = rel(file).split(/[\\/]/)[0];
  const banned = FORBIDDEN[layer];
  if (!banned) continue;
  for (const dep of deps) {
    const target = rel(dep).split(/[\\/]/)[0];
    if (banned.includes(target))
      problems.push(`layer: src/${rel(file)} imports src/${rel(dep)} (src/${layer} must not import src/${target}/)`);
  }
}

// Cycles: Tarjan's strongly connected components; any component of two or more files is a circle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
function strongConnect(v) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    if (!idx.has(w)) {
      strongConnect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      comp.push(w);
    } while (w !== v);
    const selfLoop = comp.length === 1 && (graph.get(v) ?? []).includes(v);
    if (comp.length > 1 || selfLoop) problems.push(`circle: ${comp.map(rel).sort().join(' ⇄ ')}`);
  }
}
for (const f of all) if (!idx.has(f)) strongConnect(f);

if (problems.length) {
  console.error(`check-imports: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`check-imports: ${all.length} files, no circles, layers respected`);
