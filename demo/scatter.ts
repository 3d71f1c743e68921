/**
 * The embedding scatter, drawn on the GPU: one instanced quad per point (6 vertices from
 * vertex_index, position and packed RGBA colour per instance), round points by a fragment-shader
 * disc, alpha blending. Pan with drag, zoom with the wheel. Hover uses a uniform grid on the CPU,
 * so picking among 1M points costs a few cells. Without WebGPU, or on a software adapter, it
 * draws with Canvas 2D.
 */

const WGSL = /* wgsl */ `
// Scatter points: per-instance position (data units) and colour (RGBA8); a view uniform maps
// data to clip space. Bindings: 0 view {scale: vec2f, offset: vec2f, pointPx: f32, canvas: vec2f}.
struct View { scale: vec2f, offset: vec2f, canvas: vec2f, pointPx: f32, pad: f32 }
@group(0) @binding(0) var<uniform> view: View;

struct Out { @builtin(position) pos: vec4f, @location(0) uv: vec2f, @location(1) color: vec4f }

@vertex
fn vs(@builtin(vertex_index) vi: u32, @location(0) p: vec2f, @location(1) rgba: u32) -> Out {
  var corners = array<vec2f, 6>(vec2f(-1, -1), vec2f(1, -1), vec2f(-1, 1), vec2f(-1, 1), vec2f(1, -1), vec2f(1, 1));
  let c = corners[vi];
  let center = p * view.scale + view.offset;
  var o: Out;
  o.pos = vec4f(center + c * view.pointPx / view.canvas, 0.0, 1.0);
  o.uv = c;
  o.color = unpack4x8unorm(rgba);
  return o;
}

@fragment
fn fs(i: Out) -> @location(0) vec4f {
  let r2 = dot(i.uv, i.uv);
  if (r2 > 1.0) { discard; }
  let edge = smoothstep(1.0, 0.7, r2);
  return vec4f(i.color.rgb * i.color.a * edge, i.color.a * edge);
}
`;

export interface ScatterOptions {
  pointPx?: number;
  background?: string;
  onHover?: (index: number | null, clientX: number, clientY: number) => void;
}

export class ScatterPlot {
  private device: GPUDevice | null = null;
  private context: GPUCanvasContext | null = null;
  private pipeline: GPURenderPipeline | null = null;
  private uniform: GPUBuffer | null = null;
  private bindGroup: GPUBindGroup | null = null;
  private posBuf: GPUBuffer | null = null;
  private colBuf: GPUBuffer | null = null;
  private ctx2d: CanvasRenderingContext2D | null = null;
  private xy: Float32Array = new Float32Array(0);
  private colors: Uint32Array = new Uint32Array(0);
  private n = 0;
  private bounds = { x0: 0, x1: 1, y0: 0, y1: 1 };
  private zoom = 1;
  private pan = { x: 0, y: 0 };
  private grid: { cells: Map<number, number[]>; size: number } | null = null;
  readonly usesGpu: Promise<boolean>;
  pointPx: number;

  constructor(readonly canvas: HTMLCanvasElement, private readonly opts: ScatterOptions = {}) {
    this.pointPx = opts.pointPx ?? 3;
    this.usesGpu = this.init();
    this.attachInteraction();
  }

  private async init(): Promise<boolean> {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
    // A software adapter (SwiftShader) gains nothing over Canvas 2D, and in headless Chromium
    // presenting a WebGPU canvas on it resets WebGPU for the whole page, the compute worker's
    // device included: draw with Canvas 2D there.
    const info = adapter?.info;
    const software = !!info && ((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true ||
      /swiftshader|llvmpipe|lavapipe|warp/i.test(`${info.vendor} ${info.architecture} ${info.description}`));
    if (!adapter || software) {
      this.ctx2d = this.canvas.getContext('2d');
      return false;
    }
    const device = await adapter.requestDevice({ label: 'emgpu demo scatter' });
    const context = this.canvas.getContext('webgpu') as GPUCanvasContext;
    const format = navigator.gpu.getPreferredCanvasFormat();
    context.configure({ device, format, alphaMode: 'premultiplied' });
    const module = device.createShaderModule({ label: 'scatter', code: WGSL });
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
        targets: [{ format, blend: { color: { srcFactor: 'one', dstFactor: 'one-minus-src-alpha' }, alpha: { srcFactor: 'one', dstFactor: 'one-minus-src-alpha' } } }],
      },
      primitive: { topology: 'triangle-list' },
    });
    this.uniform = device.createBuffer({ label: 'scatter view', size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.bindGroup = device.createBindGroup({ label: 'scatter view', layout: this.pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: this.uniform } }] });
    this.device = device;
    this.context = context;
    return true;
  }

  /** Points as interleaved x, y. */
  async setPoints(xy: Float32Array): Promise<void> {
    await this.usesGpu;
    this.xy = xy;
    this.n = xy.length / 2;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < this.n; i++) {
      const x = xy[2 * i], y = xy[2 * i + 1];
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    const px = (x1 - x0) * 0.04 || 1, py = (y1 - y0) * 0.04 || 1;
    this.bounds = { x0: x0 - px, x1: x1 + px, y0: y0 - py, y1: y1 + py };
    this.zoom = 1;
    this.pan = { x: 0, y: 0 };
    this.grid = null;
    if (this.device) {
      this.posBuf?.destroy();
      this.posBuf = this.device.createBuffer({ label: 'scatter positions', size: Math.max(16, xy.byteLength), usage: GPUBufferUsage.VERTEX | GPUBufferUsage.COPY_DST });
      this.device.queue.writeBuffer(this.posBuf, 0, xy.buffer, xy.byteOffset, xy.byteLength);
    }
    if (this.colors.length !== this.n) await this.setColors(new Uint32Array(this.n).fill(0xff888888));
    else this.draw();
  }

  /** Colours as packed RGBA8 (r in the low byte), one per point. */
  async setColors(rgba: Uint32Array): Promise<void> {
    await this.usesGpu;
    this.colors = rgba;
    if (this.device) {
      this.colBuf?.destroy();
      this.colBuf = this.device.createBuffer({ label: 'scatter colours', size: Math.max(16, rgba.byteLength), usage: GPUBufferUsage.VERTEX | GPUBufferUsage.COPY_DST });
      this.device.queue.writeBuffer(this.colBuf, 0, rgba.buffer, rgba.byteOffset, rgba.byteLength);
    }
    this.draw();
  }

  /** Data → clip-space transform. */
  private transform(): { sx: number; sy: number; ox: number; oy: number } {
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

  draw(): void {
    const w = this.canvas.width;
    const h = this.canvas.height;
    const t = this.transform();
    if (this.device && this.context && this.pipeline) {
      this.device.queue.writeBuffer(this.uniform!, 0, new Float32Array([t.sx, t.sy, t.ox, t.oy, w, h, this.pointPx * (window.devicePixelRatio || 1), 0]));
      const enc = this.device.createCommandEncoder({ label: 'scatter frame' });
      const pass = enc.beginRenderPass({
        colorAttachments: [{ view: this.context.getCurrentTexture().createView(), loadOp: 'clear', storeOp: 'store', clearValue: { r: 1, g: 1, b: 1, a: 1 } }],
      });
      if (this.posBuf && this.colBuf && this.n > 0) {
        pass.setPipeline(this.pipeline);
        pass.setBindGroup(0, this.bindGroup!);
        pass.setVertexBuffer(0, this.posBuf);
        pass.setVertexBuffer(1, this.colBuf);
        pass.draw(6, this.n);
      }
      pass.end();
      this.device.queue.submit([enc.finish()]);
      return;
    }
    const g = this.ctx2d;
    if (!g) return;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, w, h);
    const r = Math.max(1, this.pointPx * (window.devicePixelRatio || 1) * 0.5);
    for (let i = 0; i < this.n; i++) {
      const c = this.colors[i];
      g.fillStyle = `rgba(${c & 255},${(c >>> 8) & 255},${(c >>> 16) & 255},${((c >>> 24) & 255) / 255})`;
      const x = ((this.xy[2 * i] * t.sx + t.ox + 1) / 2) * w;
      const y = ((1 - (this.xy[2 * i + 1] * t.sy + t.oy)) / 2) * h;
      g.fillRect(x - r, y - r, 2 * r, 2 * r);
    }
  }

  /** Nearest point within a few pixels of a client position, via a lazily built grid. */
  pick(clientX: number, clientY: number): number | null {
    if (this.n === 0) return null;
    const { x0, x1, y0, y1 } = this.bounds;
    if (!this.grid) {
      const size = Math.max(16, Math.ceil(Math.sqrt(this.n / 4)));
      const cells = new Map<number, number[]>();
      for (let i = 0; i < this.n; i++) {
        const gx = Math.min(size - 1, Math.floor(((this.xy[2 * i] - x0) / (x1 - x0)) * size));
        const gy = Math.min(size - 1, Math.floor(((this.xy[2 * i + 1] - y0) / (y1 - y0)) * size));
        const key = gy * size + gx;
        let list = cells.get(key);
        if (!list) cells.set(key, (list = []));
        list.push(i);
      }
      this.grid = { cells, size };
    }
    const p = this.toData(clientX, clientY);
    const rect = this.canvas.getBoundingClientRect();
    const t = this.transform();
    const radius = (6 / rect.width) * 2 / t.sx; // 6 px in data units
    const { size, cells } = this.grid;
    const gx = Math.floor(((p.x - x0) / (x1 - x0)) * size);
    const gy = Math.floor(((p.y - y0) / (y1 - y0)) * size);
    const reach = Math.max(1, Math.ceil((radius / (x1 - x0)) * size));
    let best = radius * radius;
    let arg: number | null = null;
    for (let dy = -reach; dy <= reach; dy++) {
      for (let dx = -reach; dx <= reach; dx++) {
        const list = cells.get((gy + dy) * size + gx + dx);
        if (!list || gx + dx < 0 || gx + dx >= size) continue;
        for (const i of list) {
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
    const out: number[] = [];
    for (let i = 0; i < this.n; i++) {
      const x = this.xy[2 * i], y = this.xy[2 * i + 1];
      let inPoly = false;
      for (let a = 0, b = poly.length - 1; a < poly.length; b = a++) {
        if (poly[a].y > y !== poly[b].y > y && x < ((poly[b].x - poly[a].x) * (y - poly[a].y)) / (poly[b].y - poly[a].y) + poly[a].x) inPoly = !inPoly;
      }
      if (inPoly) out.push(i);
    }
    return Uint32Array.from(out);
  }

  private attachInteraction(): void {
    let drag: { x: number; y: number } | null = null;
    this.canvas.addEventListener('wheel', (e) => {
      e.preventDefault();
      const before = this.toData(e.clientX, e.clientY);
      this.zoom *= Math.exp(-e.deltaY * 0.0015);
      const after = this.toData(e.clientX, e.clientY);
      const t = this.transform();
      this.pan.x += (after.x - before.x) * t.sx;
      this.pan.y += (after.y - before.y) * t.sy;
      this.draw();
    }, { passive: false });
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
        this.draw();
        return;
      }
      this.opts.onHover?.(this.pick(e.clientX, e.clientY), e.clientX, e.clientY);
    });
    this.canvas.addEventListener('pointerleave', () => this.opts.onHover?.(null, 0, 0));
  }

  /** The current frame as a PNG data URL. */
  async toPNG(): Promise<string> {
    this.draw();
    await this.device?.queue.onSubmittedWorkDone();
    return this.canvas.toDataURL('image/png');
  }
}
