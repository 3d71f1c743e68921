// Small pure helpers of the demo page (tested in test/node/demo-format.test.ts).

/**
 * Column headers for the confusion matrix: the labels without the prefix they all share
 * ("component 0", "component 1" → "0", "1"), then cut to 8 characters (the full label is the title).
 */
export function shortLabels(labels: string[]): string[] {
  let p = labels.length > 1 ? labels[0].length : 0;
  for (const l of labels) {
    let i = 0;
    while (i < p && i < l.length && l[i] === labels[0][i]) i++;
    p = i;
  }
  // Keep whole words: cut the shared prefix back to its last space or separator.
  const cut = Math.max(labels[0]?.slice(0, p).search(/[\s_:/-][^\s_:/-]*$/) + 1, 0);
  return labels.map((l) => (l.slice(cut) || l).slice(0, 8));
}

/** Bytes for people: 1.5 GiB, 64.0 MiB, 900 B (binary units, as the library's formatBytes). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}
