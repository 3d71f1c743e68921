/**
 * WGSL composition: the one way a kernel gets shared code. The common libraries in
 * shaders/common/ define functions, structs and constants (no entry points); a kernel names the
 * ones it uses and composeWgsl prepends them, each once, in the fixed order of LIBRARIES (so a
 * library comes after those it needs and the text of a kernel never depends on how its list was
 * written). Specialisation stays with WGSL `override` constants, never with text edits.
 */
import gridWgsl from '../../shaders/common/grid.wgsl?raw';
import chunkWgsl from '../../shaders/common/chunk.wgsl?raw';
import csrChunkWgsl from '../../shaders/common/csr_chunk.wgsl?raw';
import sampleWeightWgsl from '../../shaders/common/sample_weight.wgsl?raw';
import kahanWgsl from '../../shaders/common/kahan.wgsl?raw';
import fixed64Wgsl from '../../shaders/common/fixed64.wgsl?raw';
import logsumexpWgsl from '../../shaders/common/logsumexp.wgsl?raw';
import workgroupSumWgsl from '../../shaders/common/workgroup_sum.wgsl?raw';
import sqdistWgsl from '../../shaders/common/sqdist.wgsl?raw';
import matmulTilesWgsl from '../../shaders/common/matmul_tiles.wgsl?raw';
import xF32Wgsl from '../../shaders/common/x_f32.wgsl?raw';
import xF16Wgsl from '../../shaders/common/x_f16.wgsl?raw';

export type WgslLibrary =
  | 'grid'
  | 'chunk'
  | 'xF32'
  | 'xF16'
  | 'csrChunk'
  | 'sampleWeight'
  | 'kahan'
  | 'fixed64'
  | 'logsumexp'
  | 'workgroupSum'
  | 'sqdist'
  | 'matmulTiles'
  | 'lgamma'
  | 'polygamma'
  | 'gmmQuad'
  | 'gmmStats'
  | 'laneMin'
  | 'laneMinWorkgroup'
  | 'laneMinSubgroups';

interface Library {
  file: string;
  code: string;
  /** Libraries this one uses (prepended with it). */
  needs: readonly WgslLibrary[];
}

/**
 * Every common library, in the order they are prepended. Those one model alone uses (MODEL_ONLY)
 * start empty: that model's kernels module provides their code (provideLibrary), so a bundle
 * without the model carries none of its WGSL.
 */
const LIBRARIES: Record<WgslLibrary, Library> = {
  grid: { file: 'common/grid.wgsl', code: gridWgsl, needs: [] },
  chunk: { file: 'common/chunk.wgsl', code: chunkWgsl, needs: [] },
  // Binding 0 of a data-chunk kernel that also runs on half-precision rows: one or the other.
  xF32: { file: 'common/x_f32.wgsl', code: xF32Wgsl, needs: ['chunk'] },
  xF16: { file: 'common/x_f16.wgsl', code: xF16Wgsl, needs: ['chunk'] },
  csrChunk: { file: 'common/csr_chunk.wgsl', code: csrChunkWgsl, needs: [] },
  sampleWeight: { file: 'common/sample_weight.wgsl', code: sampleWeightWgsl, needs: ['chunk'] },
  kahan: { file: 'common/kahan.wgsl', code: kahanWgsl, needs: [] },
  fixed64: { file: 'common/fixed64.wgsl', code: fixed64Wgsl, needs: [] },
  logsumexp: { file: 'common/logsumexp.wgsl', code: logsumexpWgsl, needs: [] },
  workgroupSum: { file: 'common/workgroup_sum.wgsl', code: workgroupSumWgsl, needs: [] },
  sqdist: { file: 'common/sqdist.wgsl', code: sqdistWgsl, needs: [] },
  matmulTiles: { file: 'common/matmul_tiles.wgsl', code: matmulTilesWgsl, needs: [] },
  lgamma: { file: 'common/lgamma.wgsl', code: '', needs: [] },
  polygamma: { file: 'common/polygamma.wgsl', code: '', needs: ['lgamma'] },
  gmmQuad: { file: 'common/gmm_quad.wgsl', code: '', needs: [] },
  // Reads rows through x_at/x_weight: the kernel names common/x_f32 or common/x_f16.
  gmmStats: { file: 'common/gmm_stats.wgsl', code: '', needs: ['kahan'] },
  laneMin: { file: 'common/lane_min.wgsl', code: '', needs: [] },
  laneMinWorkgroup: { file: 'common/lane_min_workgroup.wgsl', code: '', needs: ['laneMin'] },
  laneMinSubgroups: { file: 'common/lane_min_subgroups.wgsl', code: '', needs: ['laneMin'] },
};

/** Libraries whose code a model's kernels module provides (see LIBRARIES). */
export type ModelLibrary = 'lgamma' | 'polygamma' | 'gmmQuad' | 'gmmStats' | 'laneMin' | 'laneMinWorkgroup' | 'laneMinSubgroups';

/** The code of a library that only one model's kernels use (see LIBRARIES). */
export function provideLibrary(name: ModelLibrary, code: string): void {
  LIBRARIES[name].code = code;
}

const ORDER = Object.keys(LIBRARIES) as WgslLibrary[];

/** The libraries `wanted` and all they need, de-duplicated, in LIBRARIES order. */
export function resolveLibraries(wanted: readonly WgslLibrary[]): WgslLibrary[] {
  const seen = new Set<WgslLibrary>();
  const visit = (name: WgslLibrary): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of LIBRARIES[name].needs) visit(dep);
  };
  for (const name of wanted) visit(name);
  return ORDER.filter((name) => seen.has(name));
}

/** A library's `enable …;` lines (WGSL extensions such as subgroups), which must open the module. */
const ENABLE = /^enable [a-z0-9_, ]+;\n/gm;

/**
 * A kernel's full source: its libraries (each once, in a stable order), then its own code. The
 * `enable` directives of its libraries go first (WGSL allows them only before any declaration), so
 * a library that needs a device feature brings its directive with it.
 */
export function composeWgsl(kernel: string, libraries: readonly WgslLibrary[] = []): string {
  const enables: string[] = [];
  const parts = resolveLibraries(libraries).map((name) => {
    const lib = LIBRARIES[name];
    if (!lib.code) throw new Error(`emgpu: WGSL library ${lib.file} was not provided; import the kernels module that provides it first.`);
    const code = lib.code.replace(ENABLE, (line) => {
      enables.push(line);
      return '';
    });
    return `// ---- ${lib.file} ----\n${code}`;
  });
  return [...enables, ...parts, kernel].join('\n');
}
