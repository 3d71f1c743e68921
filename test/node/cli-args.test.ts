import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { parseArgs, SPECS, COMMANDS } from '../../src/cli/commands.js';
import { HELP, helpText } from '../../src/cli/help.js';
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
    for (const argv of [[], ['--help'], ['-h'], ['help']]) expect(parseArgs(argv)).toEqual({ command: 'help' });
    for (const argv of [
      ['kmeans', '--help'],
      ['kmeans', 'x.csv', '-h'],
      ['help', 'kmeans'],
    ]) {
      expect(parseArgs(argv)).toEqual({ command: 'help', topic: 'kmeans' });
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
    expect(usageError(['cluster'])).toBe(
      "unknown command 'cluster'. The commands are kmeans, softkmeans, gmm, nb, select, sc; see emgpu --help.",
    );
    expect(usageError(['--k', '3'])).toMatch(/unknown option '--k' before the command/);
    expect(usageError(['kmeans', '--maxiter', '5'])).toBe(
      "unknown option '--maxiter' (did you mean --max-iter?). See emgpu kmeans --help.",
    );
    expect(usageError(['kmeans', '--n_init', '5'])).toBe("unknown option '--n_init' (did you mean --n-init?). See emgpu kmeans --help.");
    expect(usageError(['gmm', '--covarience', 'diag'])).toBe(
      "unknown option '--covarience' (did you mean --covariance?). See emgpu gmm --help.",
    );
    expect(usageError(['sc', 'x', '--seeds', '1'])).toBe("unknown option '--seeds' (did you mean --seed?). See emgpu sc --help.");
    expect(usageError(['kmeans', '--verbose'])).toBe("unknown option '--verbose'. See emgpu kmeans --help.");
    // An option of another command is unknown here, and says so.
    expect(usageError(['kmeans', '--beta', '2'])).toBe("unknown option '--beta'. See emgpu kmeans --help.");
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
    // Negative numbers are values (refused by their check), not forgotten values.
    expect(usageError(['kmeans', '--seed', '-1'])).toBe("--seed expects a non-negative integer, got '-1'.");
    expect(usageError(['kmeans', '--k', '-3'])).toBe("--k expects a positive integer, got '-3'.");
    expect(usageError(['kmeans', '--tol', '-1e-4'])).toBe("--tol expects a number >= 0 (e.g. 1e-4), got '-1e-4'.");
    expect(usageError(['softkmeans', '--beta', '-.5'])).toBe("--beta expects a number > 0 (e.g. 0.01), got '-.5'.");
    expect(usageError(['softkmeans', '--beta', '0'])).toBe("--beta expects a number > 0 (e.g. 0.01), got '0'.");
    expect(usageError(['kmeans', '--seed', '-x'])).toBe('--seed needs a value, e.g. --seed 0.');
    expect(usageError(['kmeans', '--seed', '1', '--seed', '2'])).toBe("--seed is given twice ('1' and '2'); pass it once.");
    expect(usageError(['gmm', '--covariance', 'ful'])).toBe("--covariance expects one of full, diag, tied, spherical; got 'ful'.");
    expect(usageError(['nb', '--dispersion', 'gene'])).toMatch(/^--dispersion \(per-gene, shared or φ\) expects a number > 0/);
    expect(usageError(['select', '--ks', '5..2'])).toBe("--ks expects a range LOW..HIGH with 1 <= LOW <= HIGH, got '5..2'.");
    expect(usageError(['select', '--ks', '2,x'])).toBe("--ks expects a positive integer, got 'x'.");
    expect(usageError(['select', '--model', 'gmm', '--criterion', 'inertia'])).toBe("--criterion expects one of bic, aic; got 'inertia'.");
    expect(usageError(['help', 'kmean'])).toBe("help expects one of kmeans, softkmeans, gmm, nb, select, sc; got 'kmean'.");
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

describe('parseArgs for the other commands', () => {
  test("reads each model's options in scikit-learn's vocabulary", () => {
    expect(parseArgs(['softkmeans', '--beta', '0.02', '--seed', '3'])).toMatchObject({ command: 'softkmeans', k: 10, beta: 0.02, seed: 3 });
    expect(parseArgs(['gmm', '--dataset', 'iris', '--covariance', 'diag', '--n-init', '2', '--reg-covar', '1e-5'])).toMatchObject({
      command: 'gmm',
      dataset: 'iris',
      k: 3,
      covariance: 'diag',
      nInit: 2,
      regCovar: 1e-5,
    });
    expect(parseArgs(['nb', 'c.csv', '--k', '4', '--dispersion', '0.1', '--size-factors', 'none'])).toMatchObject({
      file: 'c.csv',
      k: 4,
      dispersion: 0.1,
      sizeFactors: 'none',
    });
    expect(parseArgs(['nb', '--dispersion', 'shared'])).toMatchObject({ dispersion: 'shared' });
    expect(parseArgs(['select', '--ks', '2..5'])).toMatchObject({ command: 'select', model: 'gmm', ks: [2, 3, 4, 5] });
    expect(parseArgs(['select', 'x.csv', '--model', 'kmeans', '--ks', '2,4,8', '--criterion', 'bic'])).toMatchObject({
      file: 'x.csv',
      model: 'kmeans',
      ks: [2, 4, 8],
      criterion: 'bic',
    });
  });

  test('reads emgpu sc: inputs, models, QC, --select and --labels', () => {
    expect(parseArgs(['sc', 'data/pbmc3k', '--k', '8'])).toEqual({
      command: 'sc',
      files: ['data/pbmc3k'],
      models: ['kmeans'],
      k: 8,
      backend: 'auto',
      json: false,
      quiet: false,
      progress: true,
      nPcs: 50,
      nTopGenes: 2000,
      minGenes: 200,
      minCells: 3,
    });
    const a = parseArgs([
      'sc',
      'm.mtx',
      'g.tsv',
      'b.tsv',
      '--select',
      '--ks',
      '3..6',
      '--model',
      'nb,gmm',
      '--covariance',
      'diag',
      '--max-genes',
      '2500',
      '--max-pct-mito',
      '5',
      '--labels',
      'C:/x/l.csv:cell_type',
      '--markers',
      '3',
      '--n-pcs',
      '20',
    ]);
    expect(a).toMatchObject({
      files: ['m.mtx', 'g.tsv', 'b.tsv'],
      models: ['nb', 'gmm'],
      ks: [3, 4, 5, 6],
      covariance: 'diag',
      maxGenes: 2500,
      maxPctMito: 5,
      labels: { file: 'C:/x/l.csv', column: 'cell_type' },
      markers: 3,
      nPcs: 20,
    });
    expect(parseArgs(['sc', 'a.h5ad', '--k', '3', '--labels', 'louvain'])).toMatchObject({ labels: { column: 'louvain' } });
  });

  test('refuses an sc command line that cannot run', () => {
    expect(usageError(['sc'])).toMatch(/^emgpu sc needs an input/);
    expect(usageError(['sc', 'a', 'b'])).toMatch(/^expected one input \(a file or a 10x folder\) or the three files/);
    expect(usageError(['sc', 'a.h5ad'])).toBe(
      'emgpu sc needs --k K (the number of clusters), or --select to choose k from --ks (default 2..12).',
    );
    expect(usageError(['sc', 'a.h5ad', '--k', '3', '--select'])).toMatch(/--k and --select contradict/);
    expect(usageError(['sc', 'a.h5ad', '--k', '3', '--ks', '2..4'])).toBe('--ks and --criterion apply with --select only.');
    expect(usageError(['sc', 'a.h5ad', '--k', '3', '--model', 'kmeans,kmeans'])).toMatch(/lists a model twice/);
    expect(usageError(['sc', 'a.h5ad', '--k', '3', '--model', 'louvain'])).toBe(
      "--model expects one of kmeans, gmm, nb, leiden; got 'louvain'.",
    );
    expect(usageError(['sc', 'a.h5ad', '--k', '3', '--covariance', 'diag'])).toBe('--covariance applies to --model gmm only.');
    expect(usageError(['sc', 'a.h5ad', '--k', '3', '--labels', 'x.csv:'])).toMatch(/^--labels expects FILE:COLUMN/);
    expect(usageError(['sc', 'a.h5ad', '--k', '3', '--delimiter', 'tab'])).toMatch(/unknown option '--delimiter'/);
  });

  test('documents every option of every command in its --help', () => {
    for (const c of COMMANDS) {
      const text = helpText(c);
      expect(text).toMatch(new RegExp(`^Usage: emgpu ${c} `));
      for (const name of Object.keys(SPECS[c])) expect(text, `${c} ${name}`).toContain(name);
      expect(HELP).toContain(`emgpu ${c} `);
    }
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
    for (const c of COMMANDS) {
      const one = capture();
      expect(await runCli([c, '--help'], one.deps)).toBe(0);
      expect(one.out.join('')).toBe(helpText(c));
      expect(one.err).toEqual([]);
    }
  });

  test('answers every malformed command line with one error line on stderr and exit 2', async () => {
    const bad = [
      ['kmeans', '--seed', '-1'],
      ['kmeans', '--k'],
      ['kmeans', '--k', 'x'],
      ['kmeans', '--n_init', '3'],
      ['kmeans', 'a.csv', 'b.csv', '--k', '2'],
      ['softkmeans', '--beta', 'inf'],
      ['gmm', '--covariance'],
      ['gmm', '--dataset', 'mnist'],
      ['gmm', 'x.csv', '--dataset', 'iris', '--k', '2'],
      ['nb', 'x.csv'],
      ['select', '--ks', '0..3'],
      ['select', '--model', 'nb'],
      ['sc'],
      ['sc', 'x.h5ad'],
      ['sc', 'x.h5ad', '--k', '0'],
      ['sc', 'x.h5ad', '--k', '2', '--max-pct-mito', '-5'],
      ['frobnicate'],
      ['--k', '3'],
      ['help', 'nope'],
    ];
    for (const argv of bad) {
      const { deps, out, err } = capture();
      expect(await runCli(argv, deps), argv.join(' ')).toBe(2);
      expect(out).toEqual([]);
      expect(err.join('')).toMatch(/^error: [^\n]+\n$/);
    }
  });
});
