/**
 * The code of the typed error a call throws, or 'accepted' when it returns: the robustness suites'
 * one way to ask "refused, and how?". Anything thrown that is not an EmgpuError fails the test.
 */
import { expect } from 'vitest';
import { EmgpuError } from '../../src/index.js';

export async function errorCode(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(EmgpuError);
    return (e as EmgpuError).code;
  }
  return 'accepted';
}
