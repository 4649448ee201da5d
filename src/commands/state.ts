import { FileClusterState } from '../cluster/file-state.js';
import { readManifests, type ManifestSet, type ReadOptions } from '../cluster/manifest-files.js';
import { UsageError } from './options.js';

export interface LoadedManifests {
  /** The manifests as cluster state. Unusable files or documents are in `loadErrors()`. */
  cluster: FileClusterState;
  /** The same manifests as read, document by document, read once for both. */
  manifests: ManifestSet;
}

/** Reads manifest files once, as documents and as cluster state. */
export async function loadManifests(paths: string[], options: ReadOptions = {}): Promise<LoadedManifests> {
  if (paths.length === 0) throw new UsageError('give at least one manifest file or folder');
  const manifests = await readManifests(paths, options);
  const cluster = new FileClusterState(paths);
  cluster.load(manifests);
  return { cluster, manifests };
}

/** Like loadManifests, but any unusable file or document is bad input. */
export async function loadManifestsStrict(
  paths: string[],
  options: ReadOptions = {},
): Promise<LoadedManifests> {
  const loaded = await loadManifests(paths, options);
  const errors = loaded.manifests.errors;
  if (errors.length > 0) throw new UsageError(errors.map((e) => e.message).join('\n'));
  return loaded;
}
