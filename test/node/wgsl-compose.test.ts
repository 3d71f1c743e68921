/** WGSL composition (src/gpu/compose.ts) and kernel definition (src/gpu/kernel.ts), checked on the source text. */
import { describe, test, expect } from 'vitest';
import { composeWgsl, resolveLibraries } from '../../src/gpu/compose.js';
import { defineKernel, type Kernel } from '../../src/gpu/kernel.js';
import { sources as kmeansKernels } from '../../src/backends/webgpu/kmeans-kernels.js';
import { sources as gmmKernels, f16Sources as gmmF16Kernels } from '../../src/backends/webgpu/gmm-kernels.js';
import { sources as nbmmKernels } from '../../src/backends/webgpu/nbmm-kernels.js';
import { scSources } from '../../src/backends/webgpu/sc/kernels.js';

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('WGSL composition', () => {
  test('each library is prepended once, in one fixed order, whatever order the kernel lists them in', () => {
    const a = composeWgsl('// kernel', ['kahan', 'grid', 'kahan']);
    expect(a).toBe(composeWgsl('// kernel', ['grid', 'kahan']));
    expect(count(a, 'fn kahan_add(')).toBe(1);
    expect(a.indexOf('fn group_index(')).toBeLessThan(a.indexOf('fn kahan_add('));
    expect(a.endsWith('// kernel')).toBe(true);
  });

  test('a library brings the libraries it needs', () => {
    expect(resolveLibraries(['sampleWeight'])).toEqual(['chunk', 'sampleWeight']);
  });

  test("every model's and the single-cell kernels declare each struct, function and override once", () => {
    const all: Kernel[] = [kmeansKernels, gmmKernels, gmmF16Kernels, nbmmKernels, scSources].flatMap((s) => Object.values(s));
    expect(all.length).toBeGreaterThan(15);
    for (const k of all) {
      const names = [...k.code.matchAll(/^\s*(?:fn|struct|override|const)\s+(\w+)/gm)].map((m) => m[1]);
      expect(names.length, k.name).toBeGreaterThan(0);
      expect(new Set(names).size, `${k.name}: ${names.join(' ')}`).toBe(names.length);
      expect(k.code, k.name).toContain(`fn ${k.entryPoint}(`);
    }
  });

  test('one kernel name defined twice with different WGSL is refused', () => {
    defineKernel({ name: 'test/twice', source: '// one' });
    expect(() => defineKernel({ name: 'test/twice', source: '// one' })).not.toThrow();
    expect(() => defineKernel({ name: 'test/twice', source: '// two' })).toThrow(/defined twice/);
  });
});
