/**
 * Threads per workgroup of the fused EM passes (k-means, GMM) on a software adapter. SwiftShader
 * runs a workgroup's invocations on one CPU thread, a few SIMD lanes at a time, and switches
 * between those groups of lanes at every barrier; 32 invocations switch 8× less than 256 and still
 * fill the lanes. The kernels give the same bits at any workgroup size (every statistic keeps one
 * owner that adds rows in order), so this is a speed choice only: about half the time per k-means
 * pass there (bench/results/2026-12-07-swiftshader-fused-wg.md). Hardware adapters keep 256.
 */
export const SOFTWARE_WG = 32;

/** Threads per workgroup of a fused pass on an adapter. */
export function fusedWorkgroupSize(software: boolean, hardware: number): number {
  return software ? SOFTWARE_WG : hardware;
}
