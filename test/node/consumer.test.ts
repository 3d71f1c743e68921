/**
 * The package as users install it (issue 15): `npm pack` of a clean copy (prepack builds dist/),
 * the tarball installed into throwaway apps, then Node ES module and CommonJS imports, a strict
 * TypeScript compile, publint and attw, and production browser builds with Vite 8 and 7, esbuild and
 * webpack 5 (with and without the optional `webgpu` package), each run in headless Chromium on
 * WebGPU (SwiftShader) and without navigator.gpu. The work is in test/consumer/check.mjs.
 */
import { beforeAll, describe, expect, test } from 'vitest';
// @ts-expect-error: plain JavaScript helpers without declarations
import { foreignWgslMarkers, kmeansMarker, runConsumerCheck } from '../consumer/check.mjs';

interface PageResult {
  backend?: string;
  ari?: number;
  fallbackReason: string | null;
  error?: { name: string; code: string; message: string };
  fatal?: string;
  loaded: string[];
  pageErrors: string[];
}
interface Bundle {
  outDirs: (string | { failed: string })[];
  sameWithoutWebgpu?: boolean;
  webgpu?: PageResult;
  fallback?: PageResult;
  sizes?: { loadedBytes: number; loadedGzip: number; loadedText: string };
}
interface Report {
  pack: { bytes: number; files: string[] };
  publint: { type: string; code: string }[];
  attw: string;
  node: Record<'withWebgpu' | 'withoutWebgpu', Record<'esm' | 'cjs' | 'cli', Record<string, unknown>>>;
  tsc: Record<'bundler' | 'nodenext', string>;
  bundles: Record<string, Bundle>;
}

let report: Report;

// The pages (k-means on WebGPU and on the CPU fallback, per bundler) open unless EMGPU_CONSUMER_BROWSER=0.
const withBrowser = process.env.EMGPU_CONSUMER_BROWSER !== '0';

beforeAll(async () => {
  report = await runConsumerCheck({ log: (line: string) => console.log(line), browser: withBrowser });
}, 900_000);

describe('the packed tarball', () => {
  test('ships dist/ with declarations, bin/, README, LICENSE and the CLI data, but no sources and no demo data, in under 1.5 MB', () => {
    const { files, bytes } = report.pack;
    for (const f of ['dist/emgpu.js', 'dist/node.js', 'dist/cli.js', 'dist/node-gpu.js', 'dist/no-node-gpu.js', 'dist/types/index.d.ts']) {
      expect(files).toContain(f);
    }
    for (const f of ['bin/emgpu.js', 'README.md', 'LICENSE', 'package.json', 'data/digits.csv.gz', 'data/iris.csv.gz'])
      expect(files).toContain(f);
    expect(files.filter((f) => /^(src|shaders|test|demo|bench)\/|^data\/pbmc3k/.test(f))).toEqual([]);
    expect(bytes).toBeLessThan(1.5e6);
  });

  test('passes publint (strict) and attw (ESM-only profile)', () => {
    expect(report.publint.filter((m) => m.type !== 'suggestion')).toEqual([]);
    expect(report.attw).toBe('ok');
  });

  test('compiles in a strict TypeScript app without skipLibCheck (Bundler with no @types; NodeNext with @types/node)', () => {
    expect(report.tsc).toEqual({ bundler: 'ok', nodenext: 'ok' });
  });

  test('imports in Node as an ES module and through require(), with and without the optional webgpu package, and the command runs', () => {
    for (const variant of ['withWebgpu', 'withoutWebgpu'] as const) {
      const { esm, cjs } = report.node[variant];
      expect(esm).toMatchObject({ k: 3, node: 'function', error: { name: 'InvalidInputError', code: 'K_TOO_LARGE' } });
      expect(['webgpu', 'wasm']).toContain(esm.backend);
      expect(cjs).toMatchObject({ backend: 'reference', k: 3 });
      expect(cjs.names as number).toBeGreaterThan(50);
    }
    // The CLI's default data set ships in the tarball.
    expect(report.node.withoutWebgpu.cli).toMatchObject({ status: 0, firstLine: 'emgpu kmeans on digits (bundled)' });
  });
});

describe.each(['vite 8', 'vite 7', 'esbuild', 'webpack 5'])('a browser app bundled by %s', (name) => {
  const bundle = () => report.bundles[name];

  test('builds for production with and without the optional webgpu package, to the same JavaScript', () => {
    for (const out of bundle().outDirs) expect(out).toBeTypeOf('string');
    expect(bundle().sameWithoutWebgpu).toBe(true);
  });

  test.skipIf(!withBrowser)('runs k-means on WebGPU, and a typed error keeps its name through minification', () => {
    const r = bundle().webgpu!;
    expect(r.fatal).toBeUndefined();
    expect(r.pageErrors).toEqual([]);
    expect(r.backend).toBe('webgpu');
    expect(r.ari).toBe(1);
    expect(r.error).toMatchObject({ name: 'InvalidInputError', code: 'K_TOO_LARGE' });
  });

  test.skipIf(!withBrowser)('without navigator.gpu falls back to the CPU, with a reason about the browser that never mentions Node', () => {
    const r = bundle().fallback!;
    expect(r.fatal).toBeUndefined();
    expect(r.backend).toBe('wasm');
    expect(r.ari).toBe(1);
    expect(r.fallbackReason).toMatch(/this browser offers no WebGPU/);
    expect(r.fallbackReason).not.toMatch(/node|package|dawn/i);
  });

  test.skipIf(!withBrowser)(
    'loads only k-means kernels: no GMM, NB-mixture or single-cell WGSL in the JavaScript a k-means page loads',
    () => {
      const { loadedText, loadedBytes } = bundle().sizes!;
      // Positive control: the k-means kernels are there, so the search would find WGSL if it were.
      expect(loadedText).toContain(kmeansMarker());
      const markers = foreignWgslMarkers() as { file: string; text: string }[];
      // Each marker is the opening of its file and of no k-means file, at least a line long.
      for (const m of markers) expect(m.text.length).toBeGreaterThan(40);
      expect(markers.filter((m) => m.text === kmeansMarker() || kmeansMarker().startsWith(m.text))).toEqual([]);
      const foreign = markers.filter((m) => loadedText.includes(m.text)).map((m) => m.file);
      expect(foreign).toEqual([]);
      expect(loadedBytes).toBeLessThan(250_000);
    },
  );
});
