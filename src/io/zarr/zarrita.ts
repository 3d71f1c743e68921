/**
 * The one import of zarrita, dynamic so that code which never opens a Zarr store (a k-means page)
 * never downloads it. Its types stay here: no declaration the package ships refers to zarrita
 * (its dependencies' declarations do not compile under NodeNext without skipLibCheck), so the
 * rest of src/io/zarr describes arrays and groups with the structural types of ./anndata.ts.
 */
import type * as Zarrita from 'zarrita';

export type ZarritaModule = typeof Zarrita;
let zarritaModule: Promise<ZarritaModule> | undefined;

/** zarrita, loaded once on first use. */
export function zarrita(): Promise<ZarritaModule> {
  zarritaModule ??= import('zarrita');
  return zarritaModule;
}
