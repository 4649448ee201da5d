/**
 * Reads Kubernetes manifests from files and folders: `.yaml`, `.yml` and `.json`, folders
 * recursively, multi-document YAML, and `kind: List` (or `*List`) items flattened. A bad
 * file or document becomes a `LoadError` that names the file and the document; every
 * other document is still read. Nothing here throws for bad input.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, isJsonObject } from '../routing/wire/index.js';
import type { JsonObject } from '../routing/model.js';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Where a document came from. `document` and `item` count from 1, as people do. */
export interface ManifestLocation {
  file: string;
  document: number;
  /** Position in the `items` of a List document, when the object came from one. */
  item?: number;
}

export interface ManifestDocument extends ManifestLocation {
  object: JsonObject;
  apiVersion: string;
  kind: string;
}

export interface LoadError {
  file: string;
  document?: number;
  item?: number;
  /** Full sentence that starts with the location, e.g. `a.yaml document 2: ...`. */
  message: string;
}

export interface ManifestSet {
  files: string[];
  documents: ManifestDocument[];
  errors: LoadError[];
}

export function describeLocation(at: Partial<ManifestLocation> & { file: string }): string {
  let text = at.file;
  if (at.document !== undefined) text += ` document ${at.document}`;
  if (at.item !== undefined) text += ` items[${at.item - 1}]`;
  return text;
}

function loadError(at: Partial<ManifestLocation> & { file: string }, problem: string): LoadError {
  return { ...at, message: `${describeLocation(at)}: ${problem}` };
}

export async function readManifests(paths: string[]): Promise<ManifestSet> {
  const set: ManifestSet = { files: [], documents: [], errors: [] };
  const visitedDirs = new Set<string>();
  for (const path of paths) await collectFiles(path, true, visitedDirs, set);
  for (const file of set.files) await readFileDocuments(file, set);
  return set;
}

/**
 * Adds the manifest files under `path` to `set.files`, sorted so results do not depend
 * on the filesystem's order. A path named explicitly is read whatever its extension;
 * inside folders only manifest extensions are, and hidden entries (`.git`) are skipped.
 */
async function collectFiles(path: string, explicit: boolean, visitedDirs: Set<string>, set: ManifestSet) {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    set.errors.push(loadError({ file: path }, `cannot be read: ${errorText(err)}`));
    return;
  }
  if (info.isDirectory()) {
    // Symlinked folders can form loops; each real folder is walked once.
    const real = await realpath(path).catch(() => path);
    if (visitedDirs.has(real)) return;
    visitedDirs.add(real);
    let entries: string[];
    try {
      entries = (await readdir(path)).sort();
    } catch (err) {
      set.errors.push(loadError({ file: path }, `folder cannot be listed: ${errorText(err)}`));
      return;
    }
    for (const entry of entries) {
      if (!entry.startsWith('.')) await collectFiles(join(path, entry), false, visitedDirs, set);
    }
  } else if (explicit || MANIFEST_EXTENSIONS.has(extname(path).toLowerCase())) {
    set.files.push(path);
  }
}

async function readFileDocuments(file: string, set: ManifestSet): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    set.errors.push(loadError({ file }, `cannot be read: ${errorText(err)}`));
    return;
  }
  if (extname(file).toLowerCase() === '.json') {
    try {
      addDocument({ file, document: 1 }, JSON.parse(text), set);
    } catch (err) {
      set.errors.push(loadError({ file, document: 1 }, `is not valid JSON: ${errorText(err)}`));
    }
    return;
  }
  parseAllDocuments(text, { prettyErrors: true }).forEach((doc, index) => {
    const at = { file, document: index + 1 };
    if (doc.errors.length > 0) {
      set.errors.push(loadError(at, `is not valid YAML: ${firstLine(doc.errors[0]?.message)}`));
      return;
    }
    try {
      addDocument(at, doc.toJS({ maxAliasCount: 100 }), set);
    } catch (err) {
      set.errors.push(loadError(at, `cannot be converted: ${errorText(err)}`));
    }
  });
}

function addDocument(at: ManifestLocation, value: unknown, set: ManifestSet): void {
  if (value === null || value === undefined) return; // an empty document, e.g. a trailing `---`
  if (!isJsonObject(value)) {
    set.errors.push(loadError(at, `is not a Kubernetes object (got ${describe(value)})`));
    return;
  }
  const apiVersion = value['apiVersion'];
  const kind = value['kind'];
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) {
    set.errors.push(
      loadError(at, 'is not a Kubernetes object: apiVersion and kind must be non-empty strings'),
    );
    return;
  }
  if (kind.endsWith('List') && at.item === undefined && Object.hasOwn(value, 'items')) {
    addListItems(at, value['items'], set);
    return;
  }
  set.documents.push({ ...at, object: value, apiVersion, kind });
}

function addListItems(at: ManifestLocation, items: unknown, set: ManifestSet): void {
  if (!Array.isArray(items)) {
    set.errors.push(loadError(at, `items of a List must be an array (got ${describe(items)})`));
    return;
  }
  items.forEach((item, i) => addDocument({ ...at, item: i + 1 }, item, set));
}

function firstLine(text: string | undefined): string {
  return (text ?? 'unknown error').split('\n')[0] ?? '';
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
