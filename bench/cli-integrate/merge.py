"""Two 10x PBMC runs in one 10x folder, for `emgpu sc --integrate` on a real batch effect.

PBMC 3k (data/pbmc3k) and Zheng 2017's frozen PBMCs of donor A (shared/data/zheng2017_frozen_pbmc_donorA;
provenance in shared/data/SOURCES.md, section 4), on the genes they share (by symbol, first occurrence),
with batch.csv (barcode, batch). Run with Debian's python (scipy):
  /usr/bin/python3 bench/cli-integrate/merge.py [DATA_DIR (default ../shared/data)] [OUT_DIR (default /tmp/pbmc-two-runs)]
"""
import gzip
import os
import sys

import numpy as np
import scipy.io
import scipy.sparse as sp

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, '..', 'shared', 'data')
out = sys.argv[2] if len(sys.argv) > 2 else '/tmp/pbmc-two-runs'


def read(d):
    m = scipy.io.mmread(gzip.open(f'{d}/matrix.mtx.gz')).tocsr()  # genes x cells
    genes = [line.rstrip('\n').split('\t')[-1] for line in gzip.open(f'{d}/genes.tsv.gz', 'rt')]
    cells = [line.strip() for line in gzip.open(f'{d}/barcodes.tsv.gz', 'rt')]
    return m, genes, cells


a, ga, ca = read(os.path.join(root, 'data', 'pbmc3k'))
b, gb, cb = read(os.path.join(data, 'zheng2017_frozen_pbmc_donorA'))
ia = {}
for i, g in enumerate(ga):
    ia.setdefault(g, i)
ib = {}
for i, g in enumerate(gb):
    ib.setdefault(g, i)
common = [g for g in ia if g in ib]
m = sp.hstack([a[[ia[g] for g in common]], b[[ib[g] for g in common]]]).tocoo()
os.makedirs(out, exist_ok=True)
scipy.io.mmwrite(f'{out}/matrix.mtx', m.astype(np.int64), field='integer')
with open(f'{out}/genes.tsv', 'w') as f:
    f.writelines(f'{g}\t{g}\n' for g in common)
with open(f'{out}/barcodes.tsv', 'w') as f:
    f.writelines(c + '\n' for c in ca + cb)
with open(f'{out}/batch.csv', 'w') as f:
    f.write('barcode,batch\n')
    f.writelines(f'{c},pbmc3k\n' for c in ca)
    f.writelines(f'{c},donorA\n' for c in cb)
print(f'{out}: {len(common)} shared genes x {m.shape[1]} cells ({len(ca)} pbmc3k, {len(cb)} donor A)')
