/**
 * The demo's scatter renderer on WebGPU (headless Chromium), drawn into a texture and read back
 * (presenting a canvas on SwiftShader would reset the page's WebGPU): isolated points land on
 * their pixels with their colours, the GPU picture equals the CPU splat (demo/scatter.ts) within
 * the raster tolerance (test/tolerance.ts), and a million points draw in one pass without a
 * validation error. Every GPU call runs inside validation and out-of-memory error scopes.
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { ScatterRenderer, splatPoints, defaultPointPx, type ViewTransform } from '../../demo/scatter.js';
import { RASTER_BAD_FRACTION, RASTER_MEAN_ATOL, RASTER_PIXEL_ATOL } from '../tolerance.js';

let device: GPUDevice;
beforeAll(async () => {
  device = await (await navigator.gpu.requestAdapter())!.requestDevice({ label: 'scatter test' });
});

/** Run `f` inside validation and out-of-memory scopes; fail on any error. */
async function scoped<T>(f: () => Promise<T> | T): Promise<T> {
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  const out = await f();
  const oom = await device.popErrorScope();
  const validation = await device.popErrorScope();
  expect(validation?.message ?? null).toBeNull();
  expect(oom?.message ?? null).toBeNull();
  return out;
}

/** Render into a width × height rgba8unorm texture and read the pixels back (rows top-down). */
async function renderToPixels(r: ScatterRenderer, width: number, height: number, t: ViewTransform, pointPx: number): Promise<Uint8Array> {
  return scoped(async () => {
    const tex = device.createTexture({
      label: 'scatter target',
      size: [width, height],
      format: 'rgba8unorm',
      usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC,
    });
    r.render(tex.createView(), width, height, t, pointPx);
    const bytesPerRow = width * 4; // widths used here are multiples of 64 (256-byte rows)
    const buf = device.createBuffer({
      label: 'scatter readback',
      size: bytesPerRow * height,
      usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
    });
    const enc = device.createCommandEncoder({ label: 'scatter readback' });
    enc.copyTextureToBuffer({ texture: tex }, { buffer: buf, bytesPerRow }, [width, height]);
    device.queue.submit([enc.finish()]);
    await buf.mapAsync(GPUMapMode.READ);
    const out = new Uint8Array(buf.getMappedRange().slice(0));
    buf.unmap();
    buf.destroy();
    tex.destroy();
    return out;
  });
}

/**
 * A coordinate in [0, 1) for a target `size` pixels wide, on the 1/16-px grid and at least 2/16 px
 * from where a quad edge (centre ± 1 or ± 1.5 px) would meet a pixel centre: see the raster policy.
 */
function onGrid(v: number, size: number): number {
  let k = Math.floor(v * size * 16);
  if ([7, 8, 9].includes(((k % 16) + 16) % 16)) k += 3;
  return k / (16 * size);
}

/** Data [0, 1]² onto the whole target. */
const unit: ViewTransform = { sx: 2, sy: 2, ox: -1, oy: -1 };
const pixel = (img: ArrayLike<number>, width: number, x: number, y: number) =>
  Array.from({ length: 3 }, (_, c) => img[4 * (y * width + x) + c]);
const rgba = (r: number, g: number, b: number, a = 255) => ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;

function compareToSplat(
  gpu: Uint8Array,
  width: number,
  height: number,
  xy: Float32Array,
  colors: Uint32Array,
  t: ViewTransform,
  pointPx: number,
): { mean: number; bad: number } {
  const cpu = new Uint8ClampedArray(width * height * 4);
  splatPoints(cpu, width, height, xy, colors, t, pointPx);
  let sum = 0,
    bad = 0,
    inked = 0;
  for (let p = 0; p < width * height; p++) {
    let worst = 0;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(gpu[4 * p + c] - cpu[4 * p + c]);
      sum += d;
      worst = Math.max(worst, d);
    }
    if (worst > RASTER_PIXEL_ATOL) bad++;
    if (cpu[4 * p] < 250 || cpu[4 * p + 1] < 250 || cpu[4 * p + 2] < 250) inked++;
  }
  // The comparison means something only if the picture has ink in it.
  expect(inked / (width * height)).toBeGreaterThan(0.05);
  return { mean: sum / (3 * width * height), bad: bad / (width * height) };
}

describe('the demo scatter on WebGPU', () => {
  test('isolated points land on their pixels with their colours, on white', async () => {
    const r = await scoped(() => new ScatterRenderer(device, 'rgba8unorm'));
    // Pixel centres of a 64 × 64 target: x = (i + 0.5) / 64; y is up in data, down in pixels.
    const at = (i: number, j: number) => [(i + 0.5) / 64, 1 - (j + 0.5) / 64];
    const xy = new Float32Array([...at(10, 12), ...at(40, 30), ...at(20, 50)]);
    r.setPositions(xy);
    r.setColors(new Uint32Array([rgba(255, 0, 0), rgba(0, 255, 0), rgba(0, 0, 255)]));
    const img = await renderToPixels(r, 64, 64, unit, 5);
    expect(pixel(img, 64, 10, 12)).toEqual([255, 0, 0]);
    expect(pixel(img, 64, 40, 30)).toEqual([0, 255, 0]);
    expect(pixel(img, 64, 20, 50)).toEqual([0, 0, 255]);
    // Two pixels away (r2 = 0.64 of the 2.5 px radius): still full colour; three away: outside the disc.
    expect(pixel(img, 64, 12, 12)).toEqual([255, 0, 0]);
    expect(pixel(img, 64, 13, 12)).toEqual([255, 255, 255]);
    expect(pixel(img, 64, 0, 0)).toEqual([255, 255, 255]);
    let colored = 0;
    for (let p = 0; p < 64 * 64; p++) if (img[4 * p] !== 255 || img[4 * p + 1] !== 255 || img[4 * p + 2] !== 255) colored++;
    // Three discs of radius 2.5 px: 21 pixel centres each inside (the soft edge keeps them all tinted).
    expect(colored).toBe(3 * 21);
    r.destroy();
  });

  test.each([
    [3, 'discs'],
    [1.2, 'sub-2-pixel squares'],
  ])('the GPU picture equals the CPU splat within the raster tolerance (%s px, %s)', async (pointPx) => {
    const r = await scoped(() => new ScatterRenderer(device, 'rgba8unorm'));
    let s = 12345;
    const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
    const n = 3000;
    const xy = new Float32Array(2 * n);
    const colors = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      xy[2 * i] = onGrid(u() * 1.1 - 0.05, 128);
      xy[2 * i + 1] = onGrid(u() * 1.1 - 0.05, 64);
      colors[i] = rgba(Math.floor(u() * 256), Math.floor(u() * 256), Math.floor(u() * 256), 150 + Math.floor(u() * 105));
    }
    r.setPositions(xy);
    r.setColors(colors);
    const img = await renderToPixels(r, 128, 64, unit, pointPx);
    const { mean, bad } = compareToSplat(img, 128, 64, xy, colors, unit, pointPx);
    console.log(
      `scatter GPU vs CPU splat at ${pointPx} px: mean |diff| ${mean.toFixed(3)} levels, ${(100 * bad).toFixed(2)} % pixels beyond ${RASTER_PIXEL_ATOL}`,
    );
    expect(mean).toBeLessThanOrEqual(RASTER_MEAN_ATOL);
    expect(bad).toBeLessThanOrEqual(RASTER_BAD_FRACTION);
    r.destroy();
  });

  test('a million points draw in one pass, without a validation error, as the CPU splat draws them', async () => {
    const n = 1_000_000;
    const r = await scoped(() => new ScatterRenderer(device, 'rgba8unorm'));
    let s = 99;
    const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
    const xy = new Float32Array(2 * n);
    const colors = new Uint32Array(n);
    const palette = [rgba(31, 119, 180, 217), rgba(255, 127, 14, 217), rgba(44, 160, 44, 217), rgba(214, 39, 40, 217)];
    for (let i = 0; i < n; i++) {
      // Four Gaussian blobs, as an embedding of four cell types.
      const c = i & 3;
      const g = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
      const h = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
      xy[2 * i] = onGrid(0.3 + 0.4 * (c & 1) + 0.08 * g, 256);
      xy[2 * i + 1] = onGrid(0.3 + 0.4 * (c >> 1) + 0.08 * h, 256);
      colors[i] = palette[c];
    }
    r.setPositions(xy);
    r.setColors(colors);
    const pointPx = defaultPointPx(n);
    const t0 = performance.now();
    const img = await renderToPixels(r, 256, 256, unit, pointPx);
    const ms = performance.now() - t0;
    const { mean, bad } = compareToSplat(img, 256, 256, xy, colors, unit, pointPx);
    console.log(
      `scatter: 1M points at ${pointPx.toFixed(2)} px in one draw (${ms.toFixed(0)} ms with readback on this adapter); vs CPU splat mean |diff| ${mean.toFixed(3)}, ${(100 * bad).toFixed(2)} % pixels beyond ${RASTER_PIXEL_ATOL}`,
    );
    expect(mean).toBeLessThanOrEqual(RASTER_MEAN_ATOL);
    expect(bad).toBeLessThanOrEqual(RASTER_BAD_FRACTION);
    r.destroy();
  });
});
