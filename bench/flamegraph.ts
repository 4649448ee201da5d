/**
 * A flame graph (SVG) from a V8 CPU profile (`node --cpu-prof`): one box per call-tree node,
 * as wide as the samples spent in it and its callees, callers below callees. Idle samples are
 * left out, so the width is the process's busy time. Frames are coloured by where their code
 * lives: this project, its dependencies, Node's internals, or native/V8.
 *
 * Used by `npm run bench -- --profile` (bench/profile.ts); also runs alone:
 *   npx tsx bench/flamegraph.ts PROFILE.cpuprofile OUT.svg "title"
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  /** Node id of each sample, and the microseconds before it (V8's format). */
  samples?: number[];
  timeDeltas?: number[];
}

/**
 * The profile with only the samples taken `fromMicros` or more after it started (the load
 * phase, without start-up), hit counts recounted from the sample list.
 */
export function samplesAfter(profile: CpuProfile, fromMicros: number): CpuProfile {
  const { samples = [], timeDeltas = [] } = profile;
  const hits = new Map<number, number>();
  let at = 0;
  samples.forEach((id, i) => {
    at += timeDeltas[i] ?? 0;
    if (at >= fromMicros) hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  return { ...profile, nodes: profile.nodes.map((n) => ({ ...n, hitCount: hits.get(n.id) ?? 0 })) };
}

interface Box {
  label: string;
  colour: string;
  depth: number;
  start: number;
  samples: number;
}

const WIDTH = 1200;
const ROW = 17;
const FONT_PX = 11;
/** Average glyph width of the 11 px sans-serif labels, for cutting labels to their box. */
const CHAR_PX = 6.2;
const HIDDEN = new Set(['(idle)', '(root)']);

function labelOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const file = url.replace(/^.*\/(node_modules|dist|src|bench)\//, '$1/').replace(/^file:\/\//, '');
  return `${name} ${file}:${lineNumber + 1}`;
}

function colourOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url.includes('/node_modules/')) return '#e3b341';
  if (url.includes('/dist/') || url.includes('/src/') || url.includes('/bench/')) return '#2f81f7';
  if (url.startsWith('node:')) return '#8fbc8f';
  return functionName === '(garbage collector)' ? '#d1242f' : '#afb8c1';
}

/** Samples of every node with its callees (post-order over the tree, iteratively). */
function inclusiveSamples(nodes: Map<number, ProfileNode>, rootId: number): Map<number, number> {
  const total = new Map<number, number>();
  const order: number[] = [];
  const stack = [rootId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    order.push(id);
    for (const child of nodes.get(id)?.children ?? []) stack.push(child);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = nodes.get(order[i]!)!;
    const label = node.callFrame.functionName;
    let sum = label === '(idle)' ? 0 : (node.hitCount ?? 0);
    for (const child of node.children ?? []) sum += total.get(child) ?? 0;
    total.set(node.id, sum);
  }
  return total;
}

/** Lays the tree out: each child starts where its previous sibling ended, widest first. */
function layout(profile: CpuProfile): { boxes: Box[]; busy: number; depth: number } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const root = profile.nodes[0]!;
  const total = inclusiveSamples(nodes, root.id);
  const boxes: Box[] = [];
  let maxDepth = 0;
  const stack: { id: number; depth: number; start: number }[] = [{ id: root.id, depth: -1, start: 0 }];
  while (stack.length > 0) {
    const { id, depth, start } = stack.pop()!;
    const node = nodes.get(id)!;
    const samples = total.get(id) ?? 0;
    if (samples === 0) continue;
    if (depth >= 0) {
      boxes.push({ label: labelOf(node), colour: colourOf(node), depth, start, samples });
      maxDepth = Math.max(maxDepth, depth);
    }
    const children = (node.children ?? [])
      .map((c) => nodes.get(c)!)
      .filter((c) => !HIDDEN.has(c.callFrame.functionName))
      .sort((a, b) => (total.get(b.id) ?? 0) - (total.get(a.id) ?? 0));
    let offset = start;
    for (const child of children) {
      stack.push({ id: child.id, depth: depth + 1, start: offset });
      offset += total.get(child.id) ?? 0;
    }
  }
  return { boxes, busy: total.get(root.id) ?? 0, depth: maxDepth + 1 };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The SVG text; boxes narrower than a pixel are dropped (their time still counts in the parent). */
export function flameGraph(profile: CpuProfile, title: string, subtitle: string): string {
  const { boxes, busy, depth } = layout(profile);
  const top = 56;
  const height = top + depth * ROW + 24;
  const scale = busy > 0 ? WIDTH / busy : 0;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="Helvetica, Arial, sans-serif" font-size="${FONT_PX}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="8" y="22" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="8" y="42" font-size="12" fill="#57606a">${escapeXml(subtitle)}</text>`,
  ];
  for (const box of boxes) {
    const w = box.samples * scale;
    if (w < 1) continue;
    const x = box.start * scale;
    // Callers at the bottom, callees above them.
    const y = top + (depth - 1 - box.depth) * ROW;
    const share = ((100 * box.samples) / busy).toFixed(1);
    const fits = Math.floor((w - 6) / CHAR_PX);
    const text = fits >= 3 ? (box.label.length <= fits ? box.label : `${box.label.slice(0, fits - 1)}…`) : '';
    parts.push(
      `<g><title>${escapeXml(`${box.label}: ${share}% of busy samples`)}</title>` +
        `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 1}" fill="${box.colour}" rx="2"/>` +
        (text ? `<text x="${(x + 3).toFixed(1)}" y="${y + ROW - 5}">${escapeXml(text)}</text>` : '') +
        `</g>`,
    );
  }
  parts.push(
    `<text x="8" y="${height - 8}" font-size="11" fill="#57606a">blue: this project · yellow: dependencies · green: Node internals · grey: native and V8 · red: garbage collector; width = share of busy CPU samples (${busy})</text>`,
    '</svg>',
  );
  return parts.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [input, output, title = 'CPU profile'] = process.argv.slice(2);
  if (!input || !output) throw new Error('usage: flamegraph.ts PROFILE.cpuprofile OUT.svg [title]');
  const profile = JSON.parse(readFileSync(input, 'utf8')) as CpuProfile;
  writeFileSync(output, flameGraph(profile, title, input));
}
