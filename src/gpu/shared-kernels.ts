/** Kernels every model shares (shaders/common): the second reduction pass and the per-segment argmax. */
import reduceWgsl from '../../shaders/common/reduce.wgsl?raw';
import argmaxWgsl from '../../shaders/common/argmax.wgsl?raw';
import { defineKernel } from './kernel.js';

/** out[j] = Σ_s partials[s·J + j] in segment order, Kahan-compensated. Override WG (default 256). */
export const reduceKernel = defineKernel({ name: 'common/reduce', source: reduceWgsl, modules: ['grid', 'kahan'] });

/** Per-segment (largest value, row) of a per-row buffer. Override WG (default 256). */
export const argmaxKernel = defineKernel({ name: 'common/argmax', source: argmaxWgsl, modules: ['grid', 'chunk'] });
