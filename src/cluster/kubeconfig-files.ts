/**
 * Reads kubeconfig files and merges them the way kubectl does: for clusters, users and
 * contexts the first file that defines a name wins, and so does the first file that sets
 * `current-context`. Relative file paths inside each file are made absolute against that
 * file's directory before merging, so an entry keeps pointing at its own files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { isJsonObject } from '../routing/wire/index.js';
import type { JsonObject } from '../routing/model.js';

export type Section = 'clusters' | 'users' | 'contexts';

/** One named cluster, user or context, with the file it came from. */
export interface Entry {
  kind: 'cluster' | 'user' | 'context';
  name: string;
  /** The `cluster`, `user` or `context` map, with its file paths made absolute. */
  fields: JsonObject;
  file: string;
}

export interface MergedKubeconfig {
  /** The files read, in order (missing ones of a list are left out). */
  files: string[];
  clusters: Map<string, Entry>;
  users: Map<string, Entry>;
  contexts: Map<string, Entry>;
  currentContext?: string;
}

const ENTRY_KEY = { clusters: 'cluster', users: 'user', contexts: 'context' } as const;

/** Path fields read relative to the kubeconfig's directory, per section. */
const PATH_FIELDS: Record<Section, string[]> = {
  clusters: ['certificate-authority'],
  users: ['client-certificate', 'client-key', 'tokenFile'],
  contexts: [],
};

/** `user "admin" (/home/me/.kube/config)`: the start of an error message about an entry. */
export function describeEntry(entry: Entry): string {
  return `${entry.kind} "${entry.name}" (${entry.file})`;
}

export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
}

/**
 * Reads and merges `paths`. One path must exist; in a list (KUBECONFIG=a:b), missing files
 * are skipped as kubectl skips them, but at least one must exist.
 */
export function readKubeconfigs(paths: string[]): MergedKubeconfig {
  const existing = paths.length === 1 ? paths : paths.filter((p) => existsSync(p));
  if (existing.length === 0)
    throw new KubeconfigError(`none of the kubeconfig files exist: ${paths.join(', ')}`);
  const merged: MergedKubeconfig = { files: [], clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of existing) mergeFile(merged, resolve(file));
  return merged;
}

function mergeFile(merged: MergedKubeconfig, file: string): void {
  const doc = parseFile(file);
  merged.files.push(file);
  for (const section of ['clusters', 'users', 'contexts'] as const) {
    for (const entry of entriesOf(doc, section, file)) {
      if (!merged[section].has(entry.name)) merged[section].set(entry.name, entry);
    }
  }
  const current = doc['current-context'];
  if (typeof current === 'string' && current && merged.currentContext === undefined) {
    merged.currentContext = current;
  }
}

function parseFile(file: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`kubeconfig ${file} cannot be read: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new KubeconfigError(`kubeconfig ${file} is not valid YAML: ${(err as Error).message}`);
  }
  // An empty file is an empty config, as for kubectl.
  if (doc === null || doc === undefined) return {};
  if (!isJsonObject(doc)) throw new KubeconfigError(`kubeconfig ${file} is not a YAML mapping`);
  return doc;
}

function entriesOf(doc: JsonObject, section: Section, file: string): Entry[] {
  const list = doc[section];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new KubeconfigError(`kubeconfig ${file}: ${section} is not a list`);
  return list.map((item, i) => {
    const where = `kubeconfig ${file}: ${section}[${i}]`;
    if (!isJsonObject(item) || typeof item['name'] !== 'string' || !item['name']) {
      throw new KubeconfigError(`${where} has no name`);
    }
    const fields = item[ENTRY_KEY[section]] ?? {};
    if (!isJsonObject(fields))
      throw new KubeconfigError(`${where} (${item['name']}): ${ENTRY_KEY[section]} is not a mapping`);
    const kind = ENTRY_KEY[section];
    return { kind, name: item['name'], fields: withAbsolutePaths(fields, section, dirname(file)), file };
  });
}

function withAbsolutePaths(fields: JsonObject, section: Section, dir: string): JsonObject {
  const out: JsonObject = { ...fields };
  for (const key of PATH_FIELDS[section]) {
    const value = out[key];
    if (typeof value === 'string' && value && !isAbsolute(value)) out[key] = resolve(dir, value);
  }
  // kubectl resolves an exec plugin's command against the kubeconfig only when it names a path.
  const exec = out['exec'];
  if (section === 'users' && isJsonObject(exec) && typeof exec['command'] === 'string') {
    const command = exec['command'];
    if (command.includes('/') && !isAbsolute(command))
      out['exec'] = { ...exec, command: resolve(dir, command) };
  }
  return out;
}
