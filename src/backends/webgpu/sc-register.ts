/** Registers the WebGPU single-cell implementation (imported for its side effect). */
import { registerImplementation } from '../../core/registry.js';
import { webgpuSc } from './sc/backend.js';

registerImplementation('sc', 'webgpu', webgpuSc);
