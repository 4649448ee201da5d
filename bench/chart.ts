/**
 * Redraws docs/benchmarks.svg (and .png) from bench/results/*.json without running the bench:
 *   npx tsx bench/chart.ts
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Machine } from './machine.js';
import { writeChart, type TargetResult } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => JSON.parse(readFileSync(join(root, 'bench', 'results', file), 'utf8'));
const latest = read('latest.json') as { machine: Machine };
const detail = read('latest-detail.json') as { results: TargetResult[] };
writeChart(root, detail.results, latest.machine);
