/**
 * Names that were not valid UTF-8. Every loader decodes names the same way: bytes that are not
 * valid UTF-8 become U+FFFD (�), as TextDecoder does (h5wasm's own decoder is replaced by one that
 * does the same, see ./h5.ts), and the result carries a warning saying which names were affected,
 * so a file with one damaged name still loads, and the damage is never silent.
 */
import { invalid } from '../errors.js';

/** U+FFFD marks a byte sequence the decoder could not read. */
const REPLACEMENT = '\uFFFD';

/** A warning when names in any of the lists contain U+FFFD, or undefined. */
export function replacementWarning(lists: Record<string, readonly (string | null | undefined)[] | undefined>): string | undefined {
  const parts: string[] = [];
  for (const [what, names] of Object.entries(lists)) {
    if (!names) continue;
    let count = 0;
    let first = -1;
    for (let i = 0; i < names.length; i++) {
      const s = names[i];
      if (typeof s === 'string' && s.includes(REPLACEMENT)) {
        count++;
        if (first < 0) first = i;
      }
    }
    if (count > 0) parts.push(`${count} ${what} (the first at position ${first}: ${JSON.stringify(names[first])})`);
  }
  if (parts.length === 0) return undefined;
  return (
    `Some names were not valid UTF-8: ${parts.join('; ')}. Their bad bytes read as U+FFFD (\uFFFD). ` +
    'Re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8) if the names matter.'
  );
}

/**
 * A stand-in for Emscripten's UTF8ToString in h5wasm: the bytes up to the first 0 decoded as
 * UTF-8 with U+FFFD for invalid sequences. Emscripten's own decoder reads past the string's end
 * on a bad lead byte and returns lone surrogates that differ from run to run.
 */
export function heapUtf8(heap: () => Uint8Array): (ptr: number, maxBytes?: number) => string {
  const decoder = new TextDecoder('utf-8');
  return (ptr, maxBytes) => {
    if (!ptr) return '';
    const h = heap();
    const limit = maxBytes === undefined ? h.length : Math.min(h.length, ptr + maxBytes);
    let end = ptr;
    while (end < limit && h[end] !== 0) end++;
    return decoder.decode(h.subarray(ptr, end));
  };
}

/** Names a writer stores are strings: a number or null would be written as its text, unlike what was passed. */
export function checkNames(names: readonly unknown[], what: string, fn: string): void {
  for (let i = 0; i < names.length; i++)
    if (typeof names[i] !== 'string')
      throw invalid('BAD_OPTION', `${fn}: ${what}[${i}] is ${names[i] === null ? 'null' : typeof names[i]}; names are strings.`);
}
