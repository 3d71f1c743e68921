#!/usr/bin/env node
// node scripts/fit-synthetic-params.mjs [OUT]: refits data/pbmc3k/synthetic_nb.json.gz (see the .ts file).
// The TypeScript is loaded through Vite's SSR loader so the library's `?raw` shader imports resolve.
import { createServer } from 'vite';
const server = await createServer({
  configFile: false,
  logLevel: 'warn',
  server: { middlewareMode: true, hmr: false, watch: null },
  appType: 'custom',
});
try {
  const { fitSyntheticParams } = await server.ssrLoadModule('/scripts/fit-synthetic-params.ts');
  await fitSyntheticParams(process.argv[2] ?? 'data/pbmc3k/synthetic_nb.json.gz');
} finally {
  await server.close();
}
