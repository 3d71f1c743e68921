/**
 * The embedding scatter. On a hardware WebGPU adapter it is drawn on the GPU (scatter.wgsl: one
 * instanced quad per point, one draw call, positions and colours uploaded once; a frame writes a
 * 32-byte uniform). Elsewhere (no WebGPU, or a software adapter, where presenting a WebGPU canvas
 * in headless Chromium resets WebGPU for the whole page, the compute worker's device included)
 * points are splatted into an ImageData on the CPU, which draws the same picture. Either way,
 * redraws are coalesced to one per animation frame, and hover picks through a uniform grid
 * (typed arrays, built once per point set), so a million points stay interactive.
 */
import SCATTER_WGSL from './scatter.wgsl?raw';
// The leaf module, not the barrel: the page needs this one function, not the whole library.
import { describeAdapter } from '../src/gpu/device.js';

/** Data → clip space: clip = (x·sx + ox, y·sy + oy). */
export interface ViewTransform {
  sx: number;
  sy: number;
  ox: number;
  oy: number;
}

/** Default point diameter in CSS pixels: 3 up to 20k points, shrinking as n^(−1/4), at least 1. */
export function defaultPointPx(n: number): number {
  return n <= 20_000 ? 3 : Math.max(1, 3 * (20_000 / n) ** 0.25);
}

/**
 * The GPU half: pipeline, buffers and one render pass into any texture view. Used by ScatterPlot
 * for the canvas, and by tests that render into a texture and read it back.
 */
export class ScatterRenderer {
  readonly pipeline: GPURenderPipeline;
  private readonly uniform: GPUBuffer;
  private readonly bindGroup: GPUBindGroup;
  private posBuf: GPUBuffer | null = null;
  private colBuf: GPUBuffer | null = null;
  n = 0;

  constructor(
    readonly device: GPUDevice,
    readonly format: GPUTextureFormat,
  ) {
    const module = device.createShaderModule({ label: 'scatter', code: SCATTER_WGSL });
    this.pipeline = device.createRenderPipeline({
      label: 'scatter points',
      layout: 'auto',
      vertex: {
        module,
        entryPoint: 'vs',
        buffers: [
          { arrayStride: 8, stepMode: 'instance', attributes: [{ shaderLocation: 0, offset: 0, format: 'float32x2' }] },
          { arrayStride: 4, stepMode: 'instance', attributes: [{ shaderLocation: 1, offset: 0, format: 'uint32' }] },
        ],
      },
      fragment: {
        module,
        entryPoint: 'fs',
        targets: [
          {
            format,
            blend: {
              color: { srcFactor: 'one', dstFactor: 'one-minus-src-alpha' },
              alpha: { srcFactor: 'one', dstFactor: 'one-minus-src-alpha' },
            },
          },
        ],
      },
      primitive: { topology: 'triangle-list' },
    });
    this.uniform = device.createBuffer({ label: 'scatter view', size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.bindGroup = device.createBindGroup({
      label: 'scatter view',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: this.uniform } }],
    });
  }

  /** Interleaved x, y per point (data units). */
  setPositions(xy: Float32Array): void {
    this.posBuf?.destroy();
    this.posBuf = this.device.createBuffer({
      label: 'scatter positions',
      size: Math.max(16, xy.byteLength),
      usage: GPUBufferUsage.VERTEX | GPUBufferUsage.COPY_DST,
    });
    this.device.queue.writeBuffer(this.posBuf, 0, xy.buffer, xy.byteOffset, xy.byteLength);
    this.n = xy.length / 2;
  }

  /** Packed RGBA8 per point (r in the low byte). */
  setColors(rgba: Uint32Array): void {
    this.colBuf?.destroy();
    this.colBuf = this.device.createBuffer({
      label: 'scatter colours',
      size: Math.max(16, rgba.byteLength),
      usage: GPUBufferUsage.VERTEX | GPUBufferUsage.COPY_DST,
    });
    this.device.queue.writeBuffer(this.colBuf, 0, rgba.buffer, rgba.byteOffset, rgba.byteLength);
  }

  /** One frame: clear to white, draw every point. `pointPx` is the diameter in device pixels. */
  render(target: GPUTextureView, width: number, height: number, t: ViewTransform, pointPx: number): void {
    this.device.queue.writeBuffer(this.uniform, 0, new Float32Array([t.sx, t.sy, t.ox, t.oy, width, height, pointPx, 0]));
    const enc = this.device.createCommandEncoder({ label: 'scatter frame' });
    const pass = enc.beginRenderPass({
      label: 'scatter frame',
      colorAttachments: [{ view: target, loadOp: 'clear', storeOp: 'store', clearValue: { r: 1, g: 1, b: 1, a: 1 } }],
    });
    if (this.posBuf && this.colBuf && this.n > 0) {
      pass.setPipeline(this.pipeline);
      pass.setBindGroup(0, this.bindGroup);
      pass.setVertexBuffer(0, this.posBuf);
      pass.setVertexBuffer(1, this.colBuf);
      pass.draw(6, this.n);
    }
    pass.end();
    this.device.queue.submit([enc.finish()]);
  }

  destroy(): void {
    this.posBuf?.destroy();
    this.colBuf?.destroy();
    this.uniform.destroy();
  }
}

/**
 * The CPU half: the same picture as scatter.wgsl, splatted into RGBA8 pixels (ImageData layout,
 * row 0 at the top) over a white background. Discs with the shader's soft edge from 2 px up;
 * below, 2 × 2 squares with alpha scaled by (pointPx / 2)². Colour blending is "over" in 8-bit.
 */
export function splatPoints(
  pixels: Uint8ClampedArray,
  width: number,
  height: number,
  xy: Float32Array,
  colors: Uint32Array,
  t: ViewTransform,
  pointPx: number,
): void {
  pixels.fill(255);
  const n = xy.length / 2;
  const r = Math.max(pointPx, 2) / 2;
  const disc = pointPx >= 2;
  const cover = Math.min(1, (pointPx * pointPx) / 4);
  const ax = (t.sx * width) / 2,
    bx = ((t.ox + 1) * width) / 2;
  const ay = (-t.sy * height) / 2,
    by = ((1 - t.oy) * height) / 2;
  for (let i = 0; i < n; i++) {
    const cx = xy[2 * i] * ax + bx;
    const cy = xy[2 * i + 1] * ay + by;
    if (!(cx > -r && cx < width + r && cy > -r && cy < height + r)) continue;
    const c = colors[i];
    const cr = c & 255,
      cg = (c >>> 8) & 255,
      cb = (c >>> 16) & 255;
    const alpha = (((c >>> 24) & 255) / 255) * cover;
    // Pixels whose centres (x + 0.5, y + 0.5) fall inside the quad [cx − r, cx + r).
    const x0 = Math.max(0, Math.ceil(cx - r - 0.5)),
      x1 = Math.min(width - 1, Math.ceil(cx + r - 0.5) - 1);
    const y0 = Math.max(0, Math.ceil(cy - r - 0.5)),
      y1 = Math.min(height - 1, Math.ceil(cy + r - 0.5) - 1);
    for (let y = y0; y <= y1; y++) {
      const dy = (y + 0.5 - cy) / r;
      for (let x = x0; x <= x1; x++) {
        let a = alpha;
        if (disc) {
          const dx = (x + 0.5 - cx) / r;
          const r2 = dx * dx + dy * dy;
          if (r2 > 1) continue;
          const s = Math.min(1, Math.max(0, (1 - r2) / 0.3));
          a *= s * s * (3 - 2 * s);
        }
        const p = 4 * (y * width + x);
        pixels[p] += (cr - pixels[p]) * a;
        pixels[p + 1] += (cg - pixels[p + 1]) * a;
        pixels[p + 2] += (cb - pixels[p + 2]) * a;
      }
    }
  }
}

/** A uniform grid over the points' bounds, as CSR (cell → point indices), for picking. */
export interface PointGrid {
  size: number;
  start: Uint32Array;
  items: Uint32Array;
}

export function buildGrid(xy: Float32Array, bounds: { x0: number; x1: number; y0: number; y1: number }): PointGrid {
  const n = xy.length / 2;
  const size = Math.max(16, Math.ceil(Math.sqrt(n / 4)));
  const cellOf = new Uint32Array(n);
  const start = new Uint32Array(size * size + 1);
  const fx = size / (bounds.x1 - bounds.x0),
    fy = size / (bounds.y1 - bounds.y0);
  for (let i = 0; i < n; i++) {
    const gx = Math.min(size - 1, Math.max(0, Math.floor((xy[2 * i] - bounds.x0) * fx)));
    const gy = Math.min(size - 1, Math.max(0, Math.floor((xy[2 * i + 1] - bounds.y0) * fy)));
    const cell = gy * size + gx;
    cellOf[i] = cell;
    start[cell + 1]++;
  }
  for (let c = 0; c < size * size; c++) start[c + 1] += start[c];
  const fill = start.slice(0, size * size);
  const items = new Uint32Array(n);
  for (let i = 0; i < n; i++) items[fill[cellOf[i]]++] = i;
  return { size, start, items };
}

export interface ScatterOptions {
  /** Point diameter in CSS pixels; default defaultPointPx(n). */
  pointPx?: number;
  onHover?: (index: number | null, clientX: number, clientY: number) => void;
  /** Force the CPU splat even on a hardware adapter (tests, comparisons). */
  forceCpu?: boolean;
}

/** Frame figures, read by the benchmark and the end-to-end test. */
export interface ScatterStats {
  renderer: 'webgpu' | 'cpu-splat';
  points: number;
  frames: number;
  /** CPU time of the last frame (for WebGPU: encoding and submitting only). */
  lastFrameMs: number;
}

export class ScatterPlot {
  private renderer: ScatterRenderer | null = null;
  private context: GPUCanvasContext | null = null;
  private ctx2d: CanvasRenderingContext2D | null = null;
  private image: ImageData | null = null;
  private xy: Float32Array = new Float32Array(0);
  private colors: Uint32Array = new Uint32Array(0);
  private n = 0;
  private bounds = { x0: 0, x1: 1, y0: 0, y1: 1 };
  private zoom = 1;
  private pan = { x: 0, y: 0 };
  private grid: PointGrid | null = null;
  private frameRequested = false;
  readonly usesGpu: Promise<boolean>;
  readonly stats: ScatterStats = { renderer: 'cpu-splat', points: 0, frames: 0, lastFrameMs: 0 };

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly opts: ScatterOptions = {},
  ) {
    this.usesGpu = this.init();
    this.attachInteraction();
  }

  private async init(): Promise<boolean> {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    const adapter = gpu && !this.opts.forceCpu ? await gpu.requestAdapter().catch(() => null) : null;
    // The library's rule for software adapters (the one createEngine's 'auto' uses).
    if (!adapter || describeAdapter(adapter).software) {
      this.ctx2d = this.canvas.getContext('2d');
      return false;
    }
    const device = await adapter.requestDevice({ label: 'emgpu demo scatter' });
    const context = this.canvas.getContext('webgpu') as GPUCanvasContext;
    const format = navigator.gpu.getPreferredCanvasFormat();
    context.configure({ device, format, alphaMode: 'premultiplied' });
    this.renderer = new ScatterRenderer(device, format);
    this.context = context;
    this.stats.renderer = 'webgpu';
    return true;
  }

  /** Point diameter in device pixels. */
  private devicePointPx(): number {
    return (this.opts.pointPx ?? defaultPointPx(this.n)) * (window.devicePixelRatio || 1);
  }

  /** Points as interleaved x, y. */
  async setPoints(xy: Float32Array): Promise<void> {
    await this.usesGpu;
    this.xy = xy;
    this.n = xy.length / 2;
    this.stats.points = this.n;
    let x0 = Infinity,
      x1 = -Infinity,
      y0 = Infinity,
      y1 = -Infinity;
    for (let i = 0; i < this.n; i++) {
      const x = xy[2 * i],
        y = xy[2 * i + 1];
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    const px = (x1 - x0) * 0.04 || 1,
      py = (y1 - y0) * 0.04 || 1;
    this.bounds = { x0: x0 - px, x1: x1 + px, y0: y0 - py, y1: y1 + py };
    this.zoom = 1;
    this.pan = { x: 0, y: 0 };
    this.grid = null;
    this.renderer?.setPositions(xy);
    if (this.colors.length !== this.n) await this.setColors(new Uint32Array(this.n).fill(0xff888888));
    else this.requestDraw();
  }

  /** Colours as packed RGBA8 (r in the low byte), one per point. */
  async setColors(rgba: Uint32Array): Promise<void> {
    await this.usesGpu;
    this.colors = rgba;
    this.renderer?.setColors(rgba);
    this.requestDraw();
  }

  /** Data → clip-space transform. */
  transform(): ViewTransform {
    const { x0, x1, y0, y1 } = this.bounds;
    const sx = (2 / (x1 - x0)) * this.zoom;
    const sy = (2 / (y1 - y0)) * this.zoom;
    return { sx, sy, ox: -1 - x0 * sx + this.pan.x, oy: -1 - y0 * sy + this.pan.y };
  }

  /** Client pixel → data coordinates. */
  toData(clientX: number, clientY: number): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    const cx = ((clientX - r.left) / r.width) * 2 - 1;
    const cy = 1 - ((clientY - r.top) / r.height) * 2;
    const t = this.transform();
    return { x: (cx - t.ox) / t.sx, y: (cy - t.oy) / t.sy };
  }

  /** Draw at the next animation frame (many requests in one frame draw once). */
  requestDraw(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.draw();
    });
  }

  /** Draw now. */
  draw(): void {
    const t0 = performance.now();
    const w = this.canvas.width;
    const h = this.canvas.height;
    const t = this.transform();
    if (this.renderer && this.context) {
      this.renderer.render(this.context.getCurrentTexture().createView(), w, h, t, this.devicePointPx());
    } else if (this.ctx2d) {
      if (!this.image || this.image.width !== w || this.image.height !== h) this.image = this.ctx2d.createImageData(w, h);
      splatPoints(this.image.data, w, h, this.xy, this.colors, t, this.devicePointPx());
      this.ctx2d.putImageData(this.image, 0, 0);
    } else return;
    this.stats.frames++;
    this.stats.lastFrameMs = performance.now() - t0;
  }

  /**
   * Frame time over `frames` redraws at changing zoom (as when the user zooms): for WebGPU each
   * frame waits for the GPU to finish, so this is the full frame cost, not just the encoding.
   */
  async measureFrames(
    frames = 20,
  ): Promise<{ renderer: ScatterStats['renderer']; points: number; width: number; height: number; medianMs: number; maxMs: number }> {
    await this.usesGpu;
    const zoom = this.zoom;
    const times: number[] = [];
    for (let f = 0; f < frames; f++) {
      this.zoom = zoom * (1 + 0.02 * f);
      const t0 = performance.now();
      this.draw();
      if (this.renderer) await this.renderer.device.queue.onSubmittedWorkDone();
      times.push(performance.now() - t0);
    }
    this.zoom = zoom;
    this.draw();
    times.sort((a, b) => a - b);
    return {
      renderer: this.stats.renderer,
      points: this.n,
      width: this.canvas.width,
      height: this.canvas.height,
      medianMs: times[times.length >> 1],
      maxMs: times[times.length - 1],
    };
  }

  /** Nearest point within 6 px of a client position. */
  pick(clientX: number, clientY: number): number | null {
    if (this.n === 0) return null;
    const { x0, x1, y0, y1 } = this.bounds;
    this.grid ??= buildGrid(this.xy, this.bounds);
    const p = this.toData(clientX, clientY);
    const rect = this.canvas.getBoundingClientRect();
    const t = this.transform();
    const radius = ((6 / rect.width) * 2) / t.sx; // 6 px in data units
    const { size, start, items } = this.grid;
    const gx = Math.floor(((p.x - x0) / (x1 - x0)) * size);
    const gy = Math.floor(((p.y - y0) / (y1 - y0)) * size);
    const reachX = Math.max(1, Math.ceil((radius / (x1 - x0)) * size));
    const reachY = Math.max(1, Math.ceil((radius / (y1 - y0)) * size));
    let best = radius * radius;
    let arg: number | null = null;
    for (let cy = Math.max(0, gy - reachY); cy <= Math.min(size - 1, gy + reachY); cy++) {
      for (let cx = Math.max(0, gx - reachX); cx <= Math.min(size - 1, gx + reachX); cx++) {
        const cell = cy * size + cx;
        for (let q = start[cell]; q < start[cell + 1]; q++) {
          const i = items[q];
          const ddx = this.xy[2 * i] - p.x;
          const ddy = this.xy[2 * i + 1] - p.y;
          const d2 = ddx * ddx + ddy * ddy;
          if (d2 < best) {
            best = d2;
            arg = i;
          }
        }
      }
    }
    return arg;
  }

  /** Indices of points inside a polygon given in client coordinates (even–odd rule). */
  inside(polygon: { x: number; y: number }[]): Uint32Array {
    const poly = polygon.map((p) => this.toData(p.x, p.y));
    let bx0 = Infinity,
      bx1 = -Infinity,
      by0 = Infinity,
      by1 = -Infinity;
    for (const p of poly) {
      bx0 = Math.min(bx0, p.x);
      bx1 = Math.max(bx1, p.x);
      by0 = Math.min(by0, p.y);
      by1 = Math.max(by1, p.y);
    }
    const out: number[] = [];
    for (let i = 0; i < this.n; i++) {
      const x = this.xy[2 * i],
        y = this.xy[2 * i + 1];
      if (x < bx0 || x > bx1 || y < by0 || y > by1) continue; // outside the bounding box: no edge test
      let inPoly = false;
      for (let a = 0, b = poly.length - 1; a < poly.length; b = a++) {
        if (poly[a].y > y !== poly[b].y > y && x < ((poly[b].x - poly[a].x) * (y - poly[a].y)) / (poly[b].y - poly[a].y) + poly[a].x)
          inPoly = !inPoly;
      }
      if (inPoly) out.push(i);
    }
    return Uint32Array.from(out);
  }

  private attachInteraction(): void {
    let drag: { x: number; y: number } | null = null;
    this.canvas.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const before = this.toData(e.clientX, e.clientY);
        this.zoom *= Math.exp(-e.deltaY * 0.0015);
        const after = this.toData(e.clientX, e.clientY);
        const t = this.transform();
        this.pan.x += (after.x - before.x) * t.sx;
        this.pan.y += (after.y - before.y) * t.sy;
        this.requestDraw();
      },
      { passive: false },
    );
    this.canvas.addEventListener('pointerdown', (e) => {
      if (e.shiftKey) return; // shift-drag is the lasso, handled by the page
      drag = { x: e.clientX, y: e.clientY };
    });
    window.addEventListener('pointerup', () => (drag = null));
    this.canvas.addEventListener('pointermove', (e) => {
      if (drag) {
        const r = this.canvas.getBoundingClientRect();
        this.pan.x += ((e.clientX - drag.x) / r.width) * 2;
        this.pan.y -= ((e.clientY - drag.y) / r.height) * 2;
        drag = { x: e.clientX, y: e.clientY };
        this.requestDraw();
        return;
      }
      this.opts.onHover?.(this.pick(e.clientX, e.clientY), e.clientX, e.clientY);
    });
    this.canvas.addEventListener('pointerleave', () => this.opts.onHover?.(null, 0, 0));
  }

  /** The current frame as a PNG data URL. */
  async toPNG(): Promise<string> {
    this.draw();
    await this.renderer?.device.queue.onSubmittedWorkDone();
    return this.canvas.toDataURL('image/png');
  }
}
