/** What the CLI needs from outside: an engine factory and output streams (tests pass their own). */
import type { Engine } from '../engine/engine.js';
import type { BackendChoice } from '../types.js';
import type { FitHooks } from './fit.js';
import type { ErrStream, Writable } from './output.js';

/** The engine the CLI runs on. */
export type CliEngine = Engine;

export interface CliDeps {
  createEngine(options: { backend: BackendChoice }): Promise<CliEngine>;
  /** The k-means to run (the library's by default; tests pass a failing one). */
  kmeans?: FitHooks['kmeans'];
  /** Standard input (emgpu worker's requests); process.stdin when omitted. */
  stdin?: AsyncIterable<string | Uint8Array>;
  stdout: Writable;
  stderr: ErrStream;
  /** Package root holding data/ and package.json; found from this module's location when omitted. */
  packageRoot?: string;
}
