import { describe, expect, test } from 'vitest';
import { shortLabels } from '../../demo/format.js';

describe('confusion-matrix headers', () => {
  test('drop the words every label shares, then cut to 8 characters', () => {
    expect(shortLabels(['component 0', 'component 1', 'component 7'])).toEqual(['0', '1', '7']);
    expect(shortLabels(['component 10', 'component 11'])).toEqual(['10', '11']);
    expect(shortLabels(['CD14+ Mono', 'CD8 T', 'Memory CD4 T'])).toEqual(['CD14+ Mo', 'CD8 T', 'Memory C']);
    expect(shortLabels(['cell_type:B', 'cell_type:NK'])).toEqual(['B', 'NK']);
    expect(shortLabels(['same', 'same'])).toEqual(['same', 'same']);
    expect(shortLabels(['only one label here'])).toEqual(['only one']);
  });
});
