// Compensated (Kahan) summation, for long float32 sums whose order is fixed (deterministic
// kernels): the low-order bits each addition loses are carried in a compensation term and fed
// back into the next term, so a sum of n terms errs by about 2 ulp instead of n ulp. A running
// sum is a vec2f (sum, compensation) starting at zero; kahan_add4 keeps four independent sums in
// two vec4f (totals and compensations). Defines no bindings.

fn kahan_add(s: ptr<function, vec2f>, v: f32) {
  let y = v - (*s).y;
  let t = (*s).x + y;
  (*s).y = (t - (*s).x) - y;
  (*s).x = t;
}

fn kahan_add4(total: ptr<function, vec4f>, comp: ptr<function, vec4f>, v: vec4f) {
  let y = v - *comp;
  let t = *total + y;
  *comp = (t - *total) - y;
  *total = t;
}
