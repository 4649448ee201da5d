/**
 * `npm run bench -- --profile`: where the CPU goes at saturation. Each target runs under
 * `node --cpu-prof` with the same load as the benchmark (wrk, 16 connections, pinned), and the
 * samples of the measured phase (after start-up and warm-up) become a flame graph:
 * docs/flamegraph-bare.svg, docs/flamegraph-mutate.svg, docs/flamegraph-validate.svg, plus
 * a table on stdout of the busy time by part of the request path.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flameGraph, samplesAfter, type CpuProfile } from './flamegraph.js';
import { saturate, type LoadSettings } from './load.js';
import { serveStateArgs, sleep, startTarget, stopTarget } from './processes.js';

export interface ProfileInputs {
  root: string;
  scratch: string;
  stateDir: string;
  certDir: string;
  mutateBodies: string;
  validateBodies: string;
  settings: LoadSettings;
  machineLine: string;
}

interface ProfiledTarget {
  file: string;
  title: string;
  args: (dir: string, port: number) => string[];
  path: 'mutate' | 'validate';
}

/**
 * Parts of the request path, found by the frames on a sample's stack (the first match
 * counts). They sum to the busy samples, so each is a share of the CPU one review costs.
 */
const PARTS: [string, RegExp][] = [
  ['hook (answerReview)', /answerReview /],
  ['response serialisation', /reviewResponseJson|serialize node_modules\/fastify/],
  // bare-fastify's parser is the anonymous function in its file that calls JSON.parse.
  ['body parse (JSON.parse and the byte scan)', /decodeBody |JSON\.parse|rawBody |bench\/bare-fastify\.ts/],
  ['metrics', /prom-client/],
  ['logging', /pino/],
  ['TLS and socket writes', /writeUtf8String|writeBuffer|writev|handleWriteReq/],
  ['HTTP parsing', /parserOn/],
  ['garbage collector', /\(garbage collector\)/],
];

export function sharesByPart(profile: CpuProfile): { part: string; share: number }[] {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes)
    for (const c of (n as { children?: number[] }).children ?? []) parent.set(c, n.id);
  const counts = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = (node as { hitCount?: number }).hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
    busy += hits;
    const frames: string[] = [];
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = nodes.get(id)!.callFrame;
      frames.push(`${f.functionName} ${f.url.replace(/^.*\/(node_modules|dist|src)\//, '$1/')}`);
    }
    const part =
      PARTS.find(([, re]) => frames.some((f) => re.test(f)))?.[0] ?? 'other (fastify, Node streams, V8)';
    counts.set(part, (counts.get(part) ?? 0) + hits);
  }
  return [...counts]
    .map(([part, n]) => ({ part, share: Math.round((1000 * n) / Math.max(busy, 1)) / 10 }))
    .sort((a, b) => b.share - a.share);
}

export async function profileTargets(inputs: ProfileInputs): Promise<void> {
  const { root, scratch, stateDir, certDir, settings } = inputs;
  // dist/cli.js under the running Node 24 (not the launcher), so the flags reach the server.
  const serve = (dir: string, port: number) => [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    join(root, 'dist/cli.js'),
    ...serveStateArgs(stateDir, certDir, port),
  ];
  const targets: ProfiledTarget[] = [
    {
      file: 'flamegraph-bare.svg',
      title: 'bare-fastify under wrk (the ceiling: parse, constant allow)',
      path: 'mutate',
      args: (dir, port) => [
        '--cpu-prof',
        `--cpu-prof-dir=${dir}`,
        join(root, 'bench/bare-fastify.ts'),
        certDir,
        String(port),
      ],
    },
    {
      file: 'flamegraph-mutate.svg',
      title: 'mutate-ingress under wrk (serve --state, 40,001 objects)',
      path: 'mutate',
      args: serve,
    },
    {
      file: 'flamegraph-validate.svg',
      title: 'validate-rollout under wrk (serve --state, 40,001 objects)',
      path: 'validate',
      args: serve,
    },
  ];
  const port = 18450;
  for (const target of targets) {
    const dir = join(scratch, `profile-${target.file}`);
    mkdirSync(dir, { recursive: true });
    const url = `https://127.0.0.1:${port}`;
    const running = await startTarget(target.file, process.execPath, target.args(dir, port), `${url}/readyz`);
    const bodies = target.path === 'mutate' ? inputs.mutateBodies : inputs.validateBodies;
    let rps: number;
    try {
      await sleep(1000);
      saturate(
        `${url}/${target.path}`,
        bodies,
        { ...settings, saturationSeconds: settings.warmupSeconds },
        scratch,
      );
      rps = saturate(`${url}/${target.path}`, bodies, settings, scratch).rps;
    } finally {
      await stopTarget(running);
    }
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`${target.file}: the target wrote no CPU profile (did it exit on SIGTERM?)`);
    const whole = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    // Start-up, the readiness wait and the warm-up are left out.
    const measured = samplesAfter(whole, (running.readyMs + 1000 + settings.warmupSeconds * 1000) * 1000);
    const subtitle = `${Math.round(rps)} reviews/s at saturation; ${inputs.machineLine}`;
    writeFileSync(join(root, 'docs', target.file), flameGraph(measured, target.title, subtitle));
    console.log(
      `\ndocs/${target.file}: ${Math.round(rps)} reviews/s\n| part of the request path | share of busy CPU |\n|---|---:|`,
    );
    for (const { part, share } of sharesByPart(measured)) console.log(`| ${part} | ${share} % |`);
  }
}
