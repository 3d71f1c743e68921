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
