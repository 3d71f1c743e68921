/** How a stage finds its backend: the engine the options select, and that backend's 'sc' implementation. */
import { implementationFor } from '../core/registry.js';
import { engineFor, type EngineSelection } from '../engine/engine.js';
import type { ScBackend, ScSession } from './backend.js';

/**
 * Run `fn` in one session of the 'sc' implementation of the engine `options` selects (options.engine, else
 * options.backend); a destroyed engine (or a lost device) is refused first, as every model call does.
 */
export async function onBackend<T>(options: EngineSelection | undefined, fn: (s: ScSession) => Promise<T>): Promise<T> {
  const engine = await engineFor(options);
  engine.check();
  return implementationFor<ScBackend>('sc', engine.backend).session(engine, fn);
}
