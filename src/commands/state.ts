import { FileClusterState } from '../cluster/file-state.js';
import { UsageError } from './options.js';

/** Loads manifest files as cluster state. Unusable files or documents are in `loadErrors()`. */
export async function loadFileState(paths: string[]): Promise<FileClusterState> {
  if (paths.length === 0) throw new UsageError('give at least one manifest file or folder');
  const state = new FileClusterState(paths);
  await state.start();
  return state;
}

/** Like loadFileState, but any unusable file or document is bad input. */
export async function loadFileStateStrict(paths: string[]): Promise<FileClusterState> {
  const state = await loadFileState(paths);
  const errors = state.loadErrors();
  if (errors.length > 0) throw new UsageError(errors.map((e) => e.message).join('\n'));
  return state;
}
