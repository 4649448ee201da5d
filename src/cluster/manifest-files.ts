/**
 * Reads Kubernetes manifests from files and folders: `.yaml`, `.yml` and `.json`, folders
 * recursively, `-` for standard input, multi-document YAML, and `kind: List` (or `*List`)
 * items flattened. A bad file or document becomes a `LoadError` that names the file and the
 * document; every other document is still read. Inputs that are not Kubernetes manifests at
 * all (a `values.yaml`, a `package.json`, a Helm chart's templates) are skipped and listed
 * in `skipped`, never silently. Nothing here throws for bad input.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { text as streamText } from 'node:stream/consumers';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { describe, isJsonObject } from '../routing/wire/index.js';
import type { JsonObject } from '../routing/model.js';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The path that means standard input, and how it is named in messages. */
export const STDIN_PATH = '-';
export const STDIN_NAME = '<stdin>';

/** Folders never walked into: installed packages (hidden folders such as `.git` are skipped too). */
const SKIPPED_FOLDERS = new Set(['node_modules']);

/** A field path as segments: `spec.rules[0].host` is `['spec', 'rules', 0, 'host']`. */
export type FieldPath = (string | number)[];
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
  /** Line (from 1) where the object starts, when read with `positions`. */
  line?: number;
  /**
   * With `positions`: the line of the field at `path` inside this object, or of its nearest
   * ancestor that the file has (a missing field is reported where it would go).
   */
  lineOf?: (path: FieldPath) => number | undefined;
}

/** An input that is not a Kubernetes manifest, and why it was not read as one. */
export interface SkippedInput {
  file: string;
  document?: number;
  reason: string;
}

export interface ReadOptions {
  /** Record lines (for `check`'s file:line output); costs the parsed YAML trees in memory. */
  positions?: boolean;
  /** Standard input, read when a path is `-`. */
  stdin?: NodeJS.ReadableStream;
  /**
   * Takes each document as it is read, instead of collecting them in `documents` (left empty):
   * a caller that keeps only a projection of each object (serve's cache) then never holds all
   * the parsed files at once.
   */
  onDocument?: (document: ManifestDocument) => void;
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
  skipped: SkippedInput[];
}

export function describeLocation(at: Partial<ManifestLocation> & { file: string }): string {
  let text = displayName(at.file);
  if (at.document !== undefined) text += ` document ${at.document}`;
  if (at.item !== undefined) text += ` items[${at.item - 1}]`;
  return text;
}

function loadError(at: Partial<ManifestLocation> & { file: string }, problem: string): LoadError {
  return { ...at, message: `${describeLocation(at)}: ${problem}` };
}

/** `<stdin>` for `-`, else the path as given. */
export function displayName(file: string): string {
  return file === STDIN_PATH ? STDIN_NAME : file;
}

export async function readManifests(paths: string[], options: ReadOptions = {}): Promise<ManifestSet> {
  const set: ManifestSet = { files: [], documents: [], errors: [], skipped: [] };
  const visitedDirs = new Set<string>();
  for (const path of paths) {
    if (path === STDIN_PATH) {
      if (!set.files.includes(STDIN_PATH)) set.files.push(STDIN_PATH);
    } else await collectFiles(path, true, visitedDirs, set);
  }
  const explicit = new Set(paths);
  const accept = options.onDocument ?? ((document: ManifestDocument) => void set.documents.push(document));
  for (const file of set.files) await readFileDocuments(file, explicit.has(file), options, set, accept);
  return set;
}

/**
 * Adds the manifest files under `path` to `set.files`, sorted so results do not depend
 * on the filesystem's order. A path named explicitly is read whatever its extension;
 * inside folders only manifest extensions are, and hidden entries (`.git`) and
 * `node_modules` are skipped. A Helm chart (a folder with `Chart.yaml`) is skipped as a
 * whole: its templates are not manifests until `helm template` renders them.
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
    if (entries.includes('Chart.yaml')) {
      set.skipped.push({
        file: path,
        reason: `a Helm chart; its templates become manifests only when rendered: helm template ${path} | rollouts-traffic-webhook check -`,
      });
      return;
    }
    for (const entry of entries) {
      if (entry.startsWith('.') || SKIPPED_FOLDERS.has(entry)) continue;
      await collectFiles(join(path, entry), false, visitedDirs, set);
    }
  } else if (explicit || MANIFEST_EXTENSIONS.has(extname(path).toLowerCase())) {
    set.files.push(path);
  }
}

async function readText(file: string, options: ReadOptions): Promise<string> {
  if (file !== STDIN_PATH) return readFile(file, 'utf8');
  return streamText(options.stdin ?? process.stdin);
}

/**
 * A file found in a folder that does not parse is reported only when it looks like a
 * manifest (it mentions apiVersion); other YAML and JSON files (tsconfig.json with comments,
 * templated YAML) are skipped.
 */
function unparsable(
  at: ManifestLocation,
  explicit: boolean,
  text: string,
  problem: string,
  set: ManifestSet,
) {
  if (!explicit && !text.includes('apiVersion')) {
    set.skipped.push({ file: at.file, reason: `not a Kubernetes manifest (${problem.split(':')[0]})` });
  } else set.errors.push(loadError(at, problem));
}

async function readFileDocuments(
  file: string,
  explicit: boolean,
  options: ReadOptions,
  set: ManifestSet,
  accept: (document: ManifestDocument) => void,
): Promise<void> {
  let text: string;
  try {
    text = await readText(file, options);
  } catch (err) {
    set.errors.push(loadError({ file }, `cannot be read: ${errorText(err)}`));
    return;
  }
  if (extname(file).toLowerCase() === '.json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      unparsable({ file, document: 1 }, explicit, text, `is not valid JSON: ${errorText(err)}`, set);
      return;
    }
    addDocument({ file, document: 1 }, value, set, accept, { line: 1 });
    return;
  }
  const lineCounter = options.positions ? new LineCounter() : undefined;
  const docs = parseAllDocuments(text, { prettyErrors: true, lineCounter });
  if (!Array.isArray(docs)) return; // an empty stream
  docs.forEach((doc, index) => {
    const at = { file, document: index + 1 };
    if (doc.errors.length > 0) {
      unparsable(at, explicit, text, `is not valid YAML: ${firstLine(doc.errors[0]?.message)}`, set);
      return;
    }
    try {
      addDocument(
        at,
        doc.toJS({ maxAliasCount: 100 }),
        set,
        accept,
        lineCounter && positionsOf(doc, lineCounter),
      );
    } catch (err) {
      set.errors.push(loadError(at, `cannot be converted: ${errorText(err)}`));
    }
  });
}

interface Positions {
  line: number;
  lineOf?: (path: FieldPath) => number | undefined;
}

/** Lines of a YAML document's nodes: the deepest node of `path` the document has. */
function positionsOf(doc: Document, lines: LineCounter): Positions {
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? undefined : lines.linePos(offset).line;
  const start = lineAt(doc.contents?.range?.[0]) ?? 1;
  return {
    line: start,
    lineOf: (path) => {
      for (let depth = path.length; depth > 0; depth--) {
        const node = doc.getIn(path.slice(0, depth), true) as
          { range?: [number, number, number] } | undefined;
        const line = lineAt(node?.range?.[0]);
        if (line !== undefined) return line;
      }
      return start;
    },
  };
}

function addDocument(
  at: ManifestLocation,
  value: unknown,
  set: ManifestSet,
  accept: (document: ManifestDocument) => void,
  positions?: Positions,
): void {
  if (value === null || value === undefined) return; // an empty document, e.g. a trailing `---`
  const isObject = isJsonObject(value);
  if (!isObject || (value['apiVersion'] === undefined && value['kind'] === undefined)) {
    // values.yaml, a config file, a bare string: not meant as a Kubernetes object at all.
    if (at.item === undefined) {
      set.skipped.push({
        file: at.file,
        document: at.document,
        reason: `not a Kubernetes object (${isObject ? 'no apiVersion and kind' : `got ${describe(value)}`})`,
      });
    } else set.errors.push(loadError(at, `is not a Kubernetes object (got ${describe(value)})`));
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
    addListItems(at, value['items'], set, accept, positions);
    return;
  }
  const document: ManifestDocument = { ...at, object: value, apiVersion, kind };
  if (positions) {
    document.line = positions.line;
    if (positions.lineOf) document.lineOf = positions.lineOf;
  }
  accept(document);
}

function addListItems(
  at: ManifestLocation,
  items: unknown,
  set: ManifestSet,
  accept: (document: ManifestDocument) => void,
  positions?: Positions,
): void {
  if (!Array.isArray(items)) {
    set.errors.push(loadError(at, `items of a List must be an array (got ${describe(items)})`));
    return;
  }
  items.forEach((item, i) => {
    const lineOf = positions?.lineOf;
    const itemPositions = positions && {
      line: lineOf?.(['items', i]) ?? positions.line,
      ...(lineOf ? { lineOf: (path: FieldPath) => lineOf(['items', i, ...path]) } : {}),
    };
    addDocument({ ...at, item: i + 1 }, item, set, accept, itemPositions);
  });
}

function firstLine(text: string | undefined): string {
  return (text ?? 'unknown error').split('\n')[0] ?? '';
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
