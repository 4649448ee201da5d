/**
 * Generates the chart's documentation from the files that already hold it, helm-docs style:
 *
 * - charts/rollouts-traffic-webhook/README.md from README.md.tmpl, Chart.yaml and the `# --`
 *   comments in values.yaml;
 * - Chart.yaml's `artifacthub.io/changes` annotation from the CHANGELOG entries that start with
 *   `Chart:` in its newest section.
 *
 *   npm run chart:docs            # rewrite both files
 *   npm run chart:docs -- --check # exit 1 and name the stale files instead (test/chart/chart-docs.test.ts)
 *
 * The comment convention is helm-docs' (github.com/norwoodj/helm-docs, README "values.yaml
 * metadata"): a comment block whose first line starts with `# --` documents the key below it,
 * following `#` lines continue it, and another `# --` line starts a new paragraph. A documented
 * key whose value is a non-empty map is one row (the map is its default); an undocumented map is
 * descended into. Every row must end up with a description.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMap, isNode, isScalar, parse, parseDocument, type Pair, type YAMLMap } from 'yaml';

export const CHART_DIR = resolve(import.meta.dirname, '../charts/rollouts-traffic-webhook');
const CHANGELOG = resolve(import.meta.dirname, '../CHANGELOG.md');

export interface ValueRow {
  key: string;
  type: string;
  /** JSON of the default value. */
  defaultJson: string;
  /** Markdown; empty when values.yaml has no `# --` comment for the key. */
  description: string;
}

/** Only the text after a comment block's last blank line belongs to the key below it. */
function docComment(comment: string | null | undefined): string {
  if (!comment) return '';
  const lastParagraph = comment.split('\n\n').at(-1) ?? '';
  const lines = lastParagraph.split('\n').map((line) => line.replace(/^ /, ''));
  const start = lines.findIndex((line) => line.startsWith('--'));
  if (start < 0) return '';
  const paragraphs: string[] = [];
  for (const line of lines.slice(start)) {
    if (line.startsWith('--')) paragraphs.push(line.slice(2).trim());
    else paragraphs[paragraphs.length - 1] += ` ${line.trim()}`;
  }
  return paragraphs.map((p) => p.trim()).join('<br>');
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'object' ? 'object' : 'string';
}

/**
 * The rows of the values table, in file order. The yaml parser files the comment above a map's
 * first key under the map itself, so that comment is taken from there.
 */
export function valueRows(valuesText: string): ValueRow[] {
  const doc = parseDocument(valuesText);
  if (doc.errors.length > 0) throw new Error(`values.yaml: ${doc.errors[0]!.message}`);
  if (!isMap(doc.contents)) throw new Error('values.yaml must be a map');
  const rows: ValueRow[] = [];
  // Depth-first with an explicit stack of open maps, so rows come out in file order.
  const open: { map: YAMLMap; next: number; prefix: string }[] = [{ map: doc.contents, next: 0, prefix: '' }];
  while (open.length > 0) {
    const frame = open.at(-1)!;
    const pair = frame.map.items[frame.next] as Pair | undefined;
    if (!pair) {
      open.pop();
      continue;
    }
    const index = frame.next++;
    const keyNode = pair.key;
    const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const key = frame.prefix + (/^[A-Za-z0-9_]+$/.test(name) ? name : `"${name}"`);
    const comment =
      (isScalar(keyNode) ? keyNode.commentBefore : undefined) ??
      (index === 0 ? frame.map.commentBefore : undefined);
    const description = docComment(comment);
    const value = pair.value;
    if (isMap(value) && value.items.length > 0 && description === '') {
      open.push({ map: value, next: 0, prefix: `${key}.` });
      continue;
    }
    const plain: unknown = isNode(value) ? value.toJSON() : value;
    rows.push({ key, type: typeOf(plain), defaultJson: JSON.stringify(plain ?? null), description });
  }
  return rows;
}

/** Escapes what a Markdown table cell cannot hold: pipes, and angle brackets outside code spans. */
function cell(markdown: string): string {
  const escapeText = (text: string) =>
    text
      .split('`')
      .map((part, i) => (i % 2 === 1 ? part : part.replaceAll('<', '&lt;').replaceAll('>', '&gt;')))
      .join('`');
  // <br> is the paragraph break docComment writes; it stays markup.
  return markdown.split('<br>').map(escapeText).join('<br>').replaceAll('|', '\\|');
}

export function valuesTable(rows: ValueRow[]): string {
  const lines = ['| Key | Type | Default | Description |', '|-----|------|---------|-------------|'];
  for (const row of rows) {
    lines.push(`| ${row.key} | ${row.type} | ${cell(`\`${row.defaultJson}\``)} | ${cell(row.description)} |`);
  }
  return lines.join('\n');
}

interface ChartYaml {
  name: string;
  version: string;
  appVersion?: string;
  type?: string;
  description?: string;
  home?: string;
  sources?: string[];
  kubeVersion?: string;
  maintainers?: { name: string; email?: string; url?: string }[];
}

function badge(label: string, message: string, color: string): string {
  const escape = (text: string) => encodeURIComponent(text.replaceAll('-', '--').replaceAll('_', '__'));
  return `![${label}: ${message}](https://img.shields.io/badge/${escape(label)}-${escape(message)}-${color}?style=flat-square)`;
}

/** The pieces README.md.tmpl may use, by placeholder name. */
function readmeParts(chart: ChartYaml, rows: ValueRow[]): Record<string, string> {
  const maintainers = (chart.maintainers ?? []).map(
    (m) => `| ${m.name} | ${m.email ? `<${m.email}>` : ''} | ${m.url ? `<${m.url}>` : ''} |`,
  );
  return {
    'chart.header': `# ${chart.name}`,
    'chart.badges': [
      badge('Version', chart.version, 'informational'),
      badge('Type', chart.type ?? 'application', 'informational'),
      badge('AppVersion', chart.appVersion ?? chart.version, 'informational'),
    ].join(' '),
    'chart.description': chart.description ?? '',
    'chart.homepage': chart.home ? `**Homepage:** <${chart.home}>` : '',
    'chart.maintainers': [
      '## Maintainers',
      '',
      '| Name | Email | Url |',
      '| ---- | ------ | --- |',
      ...maintainers,
    ].join('\n'),
    'chart.sources': ['## Source Code', '', ...(chart.sources ?? []).map((s) => `* <${s}>`)].join('\n'),
    'chart.kubeVersion': chart.kubeVersion ? `Kubernetes: \`${chart.kubeVersion}\`` : '',
    'chart.values': ['## Values', '', valuesTable(rows)].join('\n'),
  };
}

const PLACEHOLDER = /\{\{ ([a-zA-Z.]+) \}\}/g;

export function renderReadme(template: string, chartYamlText: string, valuesText: string): string {
  const parts = readmeParts(parse(chartYamlText) as ChartYaml, valueRows(valuesText));
  const out = template.replace(PLACEHOLDER, (_, name: string) => {
    const part = parts[name];
    if (part === undefined) throw new Error(`README.md.tmpl: unknown placeholder {{ ${name} }}`);
    return part;
  });
  return `<!-- Generated by scripts/chart-docs.ts from README.md.tmpl, Chart.yaml and values.yaml: edit those, then run npm run chart:docs. -->\n${out.trimEnd()}\n`;
}

/** Artifact Hub's change kinds, which are Keep a Changelog's section names. */
const CHANGE_KINDS: Record<string, string> = {
  Added: 'added',
  Changed: 'changed',
  Deprecated: 'deprecated',
  Removed: 'removed',
  Fixed: 'fixed',
  Security: 'security',
};

export interface ChartChange {
  kind: string;
  description: string;
}

/**
 * The newest CHANGELOG section's top-level entries that start with `Chart:`, each as one line:
 * continuation lines are joined, nested bullets appended after a semicolon.
 */
export function chartChanges(changelogText: string): ChartChange[] {
  const lines = changelogText.split('\n');
  const first = lines.findIndex((line) => line.startsWith('## '));
  if (first < 0) throw new Error('CHANGELOG.md has no "## " section');
  const end = lines.findIndex((line, i) => i > first && line.startsWith('## '));
  const section = lines.slice(first + 1, end < 0 ? undefined : end);
  const changes: ChartChange[] = [];
  let kind: string | undefined;
  /** The entry being read: its own text and its nested bullets, line by line. */
  let entry: { text: string[]; nested: string[] } | undefined;
  const flush = () => {
    if (kind && entry && entry.text[0]!.startsWith('Chart:')) {
      const nested = entry.nested.map((n) => n.replace(/[;,.]$/, ''));
      const text = [...entry.text, ...(nested.length > 0 ? [`${nested.join('; ')}.`] : [])]
        .join(' ')
        .replace(/^Chart:\s*/, '')
        .replace(/\s+/g, ' ')
        .trim();
      changes.push({ kind, description: text.charAt(0).toUpperCase() + text.slice(1) });
    }
    entry = undefined;
  };
  for (const line of section) {
    const heading = /^### (\w+)/.exec(line);
    if (heading) {
      flush();
      kind = CHANGE_KINDS[heading[1]!];
      if (!kind) throw new Error(`CHANGELOG.md: "### ${heading[1]}" is not a Keep a Changelog section`);
    } else if (line.startsWith('- ')) {
      flush();
      entry = { text: [line.slice(2)], nested: [] };
    } else if (entry && /^\s+- /.test(line)) {
      entry.nested.push(line.trim().slice(2));
    } else if (entry && /^\s+\S/.test(line)) {
      if (entry.nested.length > 0) entry.nested[entry.nested.length - 1] += ` ${line.trim()}`;
      else entry.text.push(line.trim());
    } else if (line.trim() === '') {
      flush();
    }
  }
  flush();
  return changes;
}

/** The annotation's value: a YAML list, as Artifact Hub reads it. */
export function changesAnnotation(changes: ChartChange[]): string {
  if (changes.length === 0) throw new Error('CHANGELOG.md: the newest section has no "Chart:" entry');
  return changes.map((c) => `- kind: ${c.kind}\n  description: ${JSON.stringify(c.description)}\n`).join('');
}

const CHANGES_KEY = '  artifacthub.io/changes: |';

/** Chart.yaml with the changes annotation replaced; every other byte is kept. */
export function withChanges(chartYamlText: string, annotation: string): string {
  const lines = chartYamlText.split('\n');
  const at = lines.indexOf(CHANGES_KEY);
  if (at < 0) throw new Error(`Chart.yaml: no line "${CHANGES_KEY}"`);
  let end = at + 1;
  while (end < lines.length && (lines[end]!.startsWith('    ') || lines[end] === '')) end++;
  // Keep trailing blank lines outside the block.
  while (end > at + 1 && lines[end - 1] === '') end--;
  const block = annotation
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`);
  return [...lines.slice(0, at + 1), ...block, ...lines.slice(end)].join('\n');
}

export interface GeneratedFile {
  path: string;
  current: string;
  generated: string;
}

export function generatedFiles(): GeneratedFile[] {
  const chartPath = join(CHART_DIR, 'Chart.yaml');
  const readmePath = join(CHART_DIR, 'README.md');
  const chartYaml = readFileSync(chartPath, 'utf8');
  const newChartYaml = withChanges(
    chartYaml,
    changesAnnotation(chartChanges(readFileSync(CHANGELOG, 'utf8'))),
  );
  const readme = renderReadme(
    readFileSync(join(CHART_DIR, 'README.md.tmpl'), 'utf8'),
    newChartYaml,
    readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'),
  );
  let currentReadme = '';
  try {
    currentReadme = readFileSync(readmePath, 'utf8');
  } catch {
    // Missing: generated below, or reported as stale by --check.
  }
  return [
    { path: chartPath, current: chartYaml, generated: newChartYaml },
    { path: readmePath, current: currentReadme, generated: readme },
  ];
}

function main(argv: string[]): number {
  const files = generatedFiles();
  const stale = files.filter((f) => f.current !== f.generated);
  if (argv.includes('--check')) {
    for (const f of stale) console.error(`${f.path} is stale: run npm run chart:docs`);
    return stale.length === 0 ? 0 : 1;
  }
  for (const f of stale) {
    writeFileSync(f.path, f.generated);
    console.log(`wrote ${f.path}`);
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.exitCode = main(process.argv.slice(2));
}
