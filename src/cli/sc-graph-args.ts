/**
 * `emgpu sc`'s graph-clustering and integration arguments: --model leiden (Seurat's SNN graph, then
 * Leiden at --resolution, or the resolution chosen by selectResolution with --select) and
 * --integrate COLUMN (Harmony on the PCs by a batch column, before every model).
 */
import { number, oneOf, positiveInt, type Tokens, UsageError } from './args.js';

/** Leading PCs of the graph and neighbours per cell: the demo's and selectResolution's defaults (Seurat's dims 1:20, k.param 20). */
export const GRAPH_PCS = 20;
export const GRAPH_NEIGHBORS = 19;

export interface ScLeidenArgs {
  /** Leading PCs the kNN graph is built on (capped at the PCs there are). */
  graphPcs: number;
  /** Other cells per cell in the kNN graph (19: Seurat's k.param = 20 counts the cell itself). */
  neighbors: number;
  /** Leiden's resolution; set unless --select. */
  resolution?: number;
  /** --select: candidate resolutions (default selectResolution's grid). */
  resolutions?: number[];
  /** --select: selectResolution's criterion, when leiden is the only model (else its default, cocluster). */
  criterion?: 'cocluster' | 'silhouette';
}

export interface ScIntegrateArgs {
  /** The batch column: of the file's obs, or of a CSV keyed by cell barcode (FILE:COLUMN). */
  file?: string;
  column: string;
  /** Harmony's diversity penalty (its default 2). */
  theta?: number;
}

/** An obs COLUMN, or FILE:COLUMN of a CSV keyed by cell barcode (the last colon splits: a path may hold colons). */
export function columnSpec(flag: string, v: string): { file?: string; column: string } {
  const colon = v.lastIndexOf(':');
  if (colon > 0 && colon < v.length - 1) return { file: v.slice(0, colon), column: v.slice(colon + 1) };
  if (colon >= 0)
    throw new UsageError(`${flag} expects FILE:COLUMN (a CSV keyed by cell barcode) or an obs COLUMN of the input, got '${v}'.`);
  return { column: v };
}

function resolutionList(flag: string, v: string): number[] {
  const rs = v.split(',').map((s) => number(flag, s.trim(), 0, true, '0.2,0.5,1'));
  if (new Set(rs).size !== rs.length) throw new UsageError(`${flag} lists a resolution twice in '${v}'; list each once.`);
  return rs;
}

const GRAPH_FLAGS = ['--resolution', '--resolutions', '--neighbors', '--graph-pcs'];

/** The leiden options (undefined when leiden is not a model; its flags are then refused). */
export function leidenArgs(t: Tokens, models: readonly string[], select: boolean): ScLeidenArgs | undefined {
  const val = (f: string) => t.values.get(f);
  if (!models.includes('leiden')) {
    const given = GRAPH_FLAGS.find((f) => val(f) !== undefined);
    if (given)
      throw new UsageError(`${given} applies to --model leiden only. Add leiden to --model (e.g. --model leiden), or drop ${given}.`);
    return undefined;
  }
  const only = models.length === 1;
  if (only && val('--k') !== undefined)
    throw new UsageError(
      '--k sets the number of clusters of kmeans, gmm and nb; Leiden finds its own from the resolution. Drop --k, and pass --resolution R (higher: more clusters; default 1) or --select.',
    );
  // Leiden has no restarts nor EM iterations: these would be silently ignored.
  const em = only ? ['--n-init', '--max-iter', '--tol'].find((f) => val(f) !== undefined) : undefined;
  if (em)
    throw new UsageError(
      `${em} applies to kmeans, gmm and nb; Leiden runs once (2 passes, as leidenalg) from --seed. Drop ${em}, or add a model it applies to.`,
    );
  if (only && val('--ks') !== undefined)
    throw new UsageError(
      '--ks lists candidate ks for kmeans, gmm and nb; for leiden pass --resolutions LIST (e.g. 0.2,0.5,1) with --select.',
    );
  if (select && val('--resolution') !== undefined)
    throw new UsageError('--resolution and --select contradict each other: pass --resolution R, or --select [--resolutions LIST].');
  if (!select && val('--resolutions') !== undefined)
    throw new UsageError('--resolutions lists the candidates of --select; pass --select with it, or one --resolution R.');
  const out: ScLeidenArgs = {
    graphPcs: val('--graph-pcs') === undefined ? GRAPH_PCS : positiveInt('--graph-pcs', val('--graph-pcs')!),
    neighbors: val('--neighbors') === undefined ? GRAPH_NEIGHBORS : positiveInt('--neighbors', val('--neighbors')!),
  };
  if (select) {
    if (val('--resolutions') !== undefined) out.resolutions = resolutionList('--resolutions', val('--resolutions')!);
    if (only && val('--criterion') !== undefined)
      out.criterion = oneOf('--criterion', val('--criterion')!, ['cocluster', 'silhouette'] as const);
  } else out.resolution = val('--resolution') === undefined ? 1 : number('--resolution', val('--resolution')!, 0, true, '0.8');
  return out;
}

/** --integrate COLUMN [--harmony-theta X] (undefined without --integrate; --harmony-theta alone is refused). */
export function integrateArgs(t: Tokens, models: readonly string[]): ScIntegrateArgs | undefined {
  const spec = t.values.get('--integrate');
  const theta = t.values.get('--harmony-theta');
  if (spec === undefined) {
    if (theta !== undefined) throw new UsageError('--harmony-theta applies with --integrate COLUMN only; pass both, or drop it.');
    return undefined;
  }
  if (models.includes('nb'))
    throw new UsageError(
      '--integrate corrects the PCs, but the NB mixture fits the raw counts, which Harmony leaves as they are. Drop nb from --model, or drop --integrate.',
    );
  const out: ScIntegrateArgs = columnSpec('--integrate', spec);
  if (theta !== undefined) out.theta = number('--harmony-theta', theta, 0, false, '2');
  return out;
}
