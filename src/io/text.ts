/** Shared helpers for the text readers: decoding and number parsing. No Node built-ins. */
import { invalid } from '../errors.js';

const decoder = /* @__PURE__ */ new TextDecoder('utf-8');

/** Refuse an input that is neither text nor bytes, naming what it is. */
export function checkTextInput(input: unknown, fn: string): asserts input is string | Uint8Array {
  if (typeof input === 'string' || input instanceof Uint8Array) return;
  const what = input === null ? 'null' : typeof input === 'object' ? ((input as object).constructor?.name ?? 'an object') : typeof input;
  throw invalid('BAD_OPTION', `${fn}: the input is ${what}; pass the file's text (a string) or its bytes (a Uint8Array).`);
}

/** Decode bytes as UTF-8 (a string passes through) and drop a leading byte-order mark. */
export function toText(input: string | Uint8Array): string {
  const text = typeof input === 'string' ? input : decoder.decode(input);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Tokens that mean "missing value" in common exports (pandas, R, spreadsheets). */
const MISSING = new Set(['', 'na', 'nan', 'n/a', 'null', 'none', '?', '-']);

export function isMissingToken(s: string): boolean {
  return MISSING.has(s.trim().toLowerCase());
}

/**
 * A finite decimal number, or NaN. Stricter than Number(): '' and '  ' are not 0, and hex, binary
 * and 'Infinity' are rejected, so a stray token is reported instead of silently becoming a value.
 */
export function parseNumber(s: string): number {
  const t = s.trim();
  if (t.length === 0) return NaN;
  const c = t.charCodeAt(t.length - 1);
  // Last char must be a digit or '.', which excludes 'Infinity', '1e', and trailing junk cheaply.
  if (!((c >= 48 && c <= 57) || c === 46)) return NaN;
  if (t.length > 1 && t.charCodeAt(0) === 48 && /^0[xXbBoO]/.test(t)) return NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}

export function isNumeric(s: string): boolean {
  return !Number.isNaN(parseNumber(s));
}

/** Shorten a field for an error message. */
export function quoteField(s: string): string {
  const t = s.length > 40 ? `${s.slice(0, 37)}...` : s;
  return JSON.stringify(t);
}

export function formatCount(x: number): string {
  return x.toLocaleString('en-US');
}
