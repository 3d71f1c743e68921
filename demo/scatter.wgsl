// The embedding scatter: one instanced quad per point, alpha blended (premultiplied). Vertex
// buffers: slot 0 per-instance position (data units, float32x2), slot 1 per-instance colour (RGBA8
// packed in a u32, r in the low byte). Binding 0: the view, mapping data to clip space
// (clip = p·scale + offset), the target size in pixels and the point diameter in device pixels.
// Draw shape: draw(6, n), six vertices (two triangles) per point from vertex_index.
//
// Points of 2 px and more are discs with a soft edge. Smaller ones (a million cells on one
// screen) are 2 × 2 squares whose alpha is scaled by the area they stand for, (pointPx / 2)², so
// a dense region darkens in proportion to its density instead of saturating at once; the CPU
// fallback (scatter.ts, splatPoints) draws the same.
struct View { scale: vec2f, offset: vec2f, canvas: vec2f, pointPx: f32, pad: f32 }
@group(0) @binding(0) var<uniform> view: View;

struct Out { @builtin(position) pos: vec4f, @location(0) uv: vec2f, @location(1) color: vec4f }

@vertex
fn vs(@builtin(vertex_index) vi: u32, @location(0) p: vec2f, @location(1) rgba: u32) -> Out {
  var corners = array<vec2f, 6>(vec2f(-1, -1), vec2f(1, -1), vec2f(-1, 1), vec2f(-1, 1), vec2f(1, -1), vec2f(1, 1));
  let c = corners[vi];
  let center = p * view.scale + view.offset;
  let diameter = max(view.pointPx, 2.0);
  var o: Out;
  // A quad `diameter` pixels wide: clip space spans 2 units over `canvas` pixels.
  o.pos = vec4f(center + c * diameter / view.canvas, 0.0, 1.0);
  o.uv = c;
  var color = unpack4x8unorm(rgba);
  color.a *= min(1.0, view.pointPx * view.pointPx * 0.25);
  o.color = color;
  return o;
}

@fragment
fn fs(i: Out) -> @location(0) vec4f {
  var a = i.color.a;
  if (view.pointPx >= 2.0) {
    let r2 = dot(i.uv, i.uv);
    if (r2 > 1.0) { discard; }
    a *= smoothstep(1.0, 0.7, r2);
  }
  return vec4f(i.color.rgb * a, a);
}
