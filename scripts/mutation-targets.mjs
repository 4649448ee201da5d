// The per-area mutation-score targets of `npm run mutation` and `npm run mutation:ci` (README,
// Development), the only place a run's score decides pass or fail. Stryker's own
// `thresholds.break` holds one number for the whole report, which also carries files kept from
// the record, and the drift guard and the patch builder are held higher: so this reads the
// run's JSON report and fails when an area is below target.
// Score as Stryker counts it: (killed + timeout) / (killed + timeout + survived + no coverage).
// Only the files the given Stryker configuration mutates are scored (argument, default
// stryker.config.mjs): the report also carries the recorded results of files outside the run,
// which Stryker keeps from the incremental record, and those do not decide a run on fewer files.
import { globSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const REPORT = 'reports/mutation/mutation.json';

/** Each area: the files it covers (by path prefix or exact path) and its minimum score. */
const TARGETS = [
  {
    area: 'drift guard',
    minimum: 90,
    files: [
      'src/routing/drift-guard.ts',
      'src/routing/traffic-provider.ts',
      'src/routing/alb/guard-provider.ts',
      'src/routing/nginx/guard-provider.ts',
      'src/routing/gateway-api/guard.ts',
    ],
  },
  { area: 'patch builder', minimum: 90, files: ['src/webhook/patch.ts'] },
  { area: 'routing core', minimum: 85, files: ['src/routing/'] },
];

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

function scoreOf(report, matches) {
  let detected = 0;
  let undetected = 0;
  let files = 0;
  for (const [file, { mutants }] of Object.entries(report.files)) {
    if (!matches(file)) continue;
    files++;
    for (const { status } of mutants) {
      if (DETECTED.has(status)) detected++;
      else if (UNDETECTED.has(status)) undetected++;
    }
  }
  const total = detected + undetected;
  return total === 0 ? undefined : { score: (100 * detected) / total, detected, total, files };
}

const configFile = process.argv[2] ?? 'stryker.config.mjs';
const { default: config } = await import(pathToFileURL(configFile).href);
const mutated = new Set(globSync(config.mutate));

const report = JSON.parse(readFileSync(REPORT, 'utf8'));
let failed = false;
for (const { area, minimum, files } of TARGETS) {
  const inArea = (file) => files.some((f) => (f.endsWith('/') ? file.startsWith(f) : file === f));
  const matches = (file) => mutated.has(file) && inArea(file);
  const result = scoreOf(report, matches);
  if (!result) {
    console.log(`- ${area}: not in this run`);
    continue;
  }
  const ok = result.score >= minimum;
  failed ||= !ok;
  // A run on some of an area's files (npm run mutation:ci) scores only those, and says so.
  const leftOut = Object.keys(report.files).filter((file) => inArea(file) && !mutated.has(file)).length;
  const line =
    `${area}: ${result.score.toFixed(2)} % (${result.detected}/${result.total} detected ` +
    `in ${result.files} file${result.files === 1 ? '' : 's'}), target ${minimum} %` +
    (leftOut > 0 ? `; not the area's score: the run leaves out ${leftOut} of its files` : '');
  console.log(`${ok ? '✓' : '✗'} ${line}`);
}
process.exit(failed ? 1 : 0);
