import { describe, expect, test } from 'vitest';
import { parseArgs, UsageError, HELP } from '../../src/cli/args.js';
import { runCli, type CliDeps } from '../../src/cli/run.js';

function usageError(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`parseArgs(${JSON.stringify(argv)}) did not throw`);
}

describe('parseArgs', () => {
  test('defaults to the bundled dataset with k = 10, backend auto and library defaults left unset', () => {
    expect(parseArgs(['kmeans'])).toEqual({ command: 'kmeans', k: 10, backend: 'auto', json: false, quiet: false, progress: true });
  });

  test('reads every option, in --flag value, --flag=value and short forms', () => {
    const a = parseArgs([
      'kmeans',
      'cells.csv',
      '-k',
      '7',
      '--backend=cpu',
      '--n-init',
      '4',
      '--max-iter',
      '50',
      '--tol',
      '1e-6',
      '--seed',
      '42',
      '--init',
      'random',
      '-o',
      'out.csv',
      '--json',
      '-q',
      '--no-progress',
      '--delimiter',
      'tab',
      '--no-header',
      '--row-names',
      '--label-column',
      'last',
      '--skip-lines',
      '2',
      '--max-dense',
      '2e8',
    ]);
    expect(a).toEqual({
      command: 'kmeans',
      file: 'cells.csv',
      k: 7,
      backend: 'cpu',
      nInit: 4,
      maxIter: 50,
      tol: 1e-6,
      seed: 42,
      init: 'random',
      out: 'out.csv',
      json: true,
      quiet: true,
      progress: false,
      delimiter: '\t',
      header: false,
      rowNames: true,
      labelColumn: 'last',
      skipLines: 2,
      maxDense: 200_000_000,
    });
    expect(parseArgs(['kmeans', '--k=3', 'x.tsv', '--n-init', 'auto', '--label-column', '0'])).toMatchObject({
      file: 'x.tsv',
      k: 3,
      nInit: 'auto',
      labelColumn: 0,
    });
    expect(parseArgs(['kmeans', '--k', '3', '--', '--odd-name.csv'])).toMatchObject({ file: '--odd-name.csv' });
  });

  test('recognises help and version in their usual spellings', () => {
    for (const argv of [[], ['--help'], ['-h'], ['help'], ['kmeans', '--help'], ['kmeans', 'x.csv', '-h']]) {
      expect(parseArgs(argv)).toEqual({ command: 'help' });
    }
    for (const argv of [['--version'], ['-V'], ['version']]) expect(parseArgs(argv)).toEqual({ command: 'version' });
    expect(HELP).toContain('emgpu kmeans [FILE] --k K');
  });

  test('requires --k with an input file, and names an example', () => {
    expect(usageError(['kmeans', 'cells.csv'])).toBe(
      '--k is required with an input file: the number of clusters, e.g. emgpu kmeans cells.csv --k 8.',
    );
  });

  test('rejects unknown commands and options, suggesting the close spelling', () => {
    expect(usageError(['cluster'])).toMatch(/unknown command 'cluster'/);
    expect(usageError(['--k', '3'])).toMatch(/unknown option '--k' before the command/);
    expect(usageError(['kmeans', '--maxiter', '5'])).toBe("unknown option '--maxiter' (did you mean --max-iter?). See emgpu --help.");
    expect(usageError(['kmeans', '--verbose'])).toBe("unknown option '--verbose'. See emgpu --help.");
  });

  test('rejects malformed values with the expected form', () => {
    expect(usageError(['kmeans', '--k', '0'])).toBe("--k expects a positive integer, got '0'.");
    expect(usageError(['kmeans', '--k', '2.5'])).toBe("--k expects a positive integer, got '2.5'.");
    expect(usageError(['kmeans', '--k'])).toBe('--k needs a value, e.g. --k 10.');
    expect(usageError(['kmeans', '--k', '--json'])).toBe('--k needs a value, e.g. --k 10.');
    expect(usageError(['kmeans', '--k='])).toBe('--k needs a value, e.g. --k 10.');
    expect(usageError(['kmeans', '--backend', 'gpu'])).toBe("--backend expects one of auto, webgpu, wasm, reference, cpu; got 'gpu'.");
    expect(usageError(['kmeans', '--init', 'kmeans++'])).toBe("--init expects one of k-means++, random; got 'kmeans++'.");
    expect(usageError(['kmeans', '--tol', 'abc'])).toMatch(/--tol expects a number >= 0/);
    expect(usageError(['kmeans', '--n-init', '0'])).toMatch(/--n-init expects a positive integer/);
    expect(usageError(['kmeans', '--seed', '1.5'])).toMatch(/--seed expects a non-negative integer/);
    expect(usageError(['kmeans', '--delimiter', ';'])).toMatch(/--delimiter expects comma, tab or whitespace/);
    expect(usageError(['kmeans', '--json=yes'])).toBe('--json takes no value; write just --json.');
  });

  test('rejects two input files, contradictory switches, and reader options without a file', () => {
    expect(usageError(['kmeans', 'a.csv', 'b.csv', '--k', '2'])).toMatch(/at most one input FILE, got 2/);
    expect(usageError(['kmeans', 'a.csv', '--k', '2', '--header', '--no-header'])).toMatch(/contradict/);
    expect(usageError(['kmeans', '--label-column', 'last'])).toBe(
      '--label-column only apply to an input FILE; the bundled dataset needs none.',
    );
  });
});

describe('runCli on a bad command line', () => {
  function capture(): { deps: CliDeps; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    const deps: CliDeps = {
      createEngine: () => Promise.reject(new Error('must not be called')),
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    };
    return { deps, out, err };
  }

  test('prints the message on stderr and exits 2 without creating an engine', async () => {
    const { deps, out, err } = capture();
    expect(await runCli(['kmeans', '--k', 'ten'], deps)).toBe(2);
    expect(out).toEqual([]);
    expect(err.join('')).toBe("error: --k expects a positive integer, got 'ten'.\n");
  });

  test('prints help on stdout and exits 0', async () => {
    const { deps, out } = capture();
    expect(await runCli(['--help'], deps)).toBe(0);
    expect(out.join('')).toBe(HELP);
  });
});
