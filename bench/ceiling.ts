/**
 * What the throughput targets leave for the webhook's own work on this machine: the
 * calibration behind the `ceiling` figures of latest.json.
 *
 * bare-fastify is run twice more (bench/bare-fastify.ts with ANSWER_FILE and WORK_US): both
 * times answering with the mutating hook's own answer text, once after no work and once after
 * CEILING_WORK_US of busy work per review. Each at saturation costs c(w) = 1/throughput of CPU
 * per review (the target holds one core), and c is close to a line: c(w) = c(0) + k·w.
 * The ratio target r then allows a webhook `(c_bare / r − c(0)) / k` microseconds of such work
 * per review. Busy work is the cheapest kind there is (it allocates nothing and evicts nothing
 * from the caches), so this is an upper bound on the work a webhook could do per review and
 * still meet the target, whatever its code. Set against it: the hooks' own time per review at
 * saturation, from their histogram in /metrics (`hookTimeOf`).
 */
import { saturate, type LoadSettings } from './load.js';
import { round1, round3, startTarget, stopTarget } from './processes.js';

/** The busy work of the second calibration run, µs per review. */
export const CEILING_WORK_US = 40;

export interface CeilingRun {
  work_us: number;
  rps: number;
}

export interface Ceiling {
  /** bare-fastify answering the mutating hook's answer, without and with the busy work. */
  runs: CeilingRun[];
  /** CPU µs per review that the mutating hook's longer answer adds to bare-fastify. */
  answer_cost_us: number;
  /** CPU µs per review at saturation for each µs of busy work (1 would be no amplification). */
  cost_per_work_us: number;
  /** Busy work per review the targets allow: mutate at 0.6 of bare-fastify, validate at 0.7. */
  work_budget_us: { mutate: number; validate: number };
  /** The hooks' own time per review at saturation (their histogram), µs. */
  hook_us_at_saturation: Record<string, number>;
}

export interface CeilingInputs {
  root: string;
  node: string;
  certDir: string;
  port: number;
  /** The mutating hook's answer to one of the bodies (its text, as the webhook sent it). */
  answerFile: string;
  bodies: string;
  settings: LoadSettings;
  scratch: string;
}

/** The two calibration runs, at saturation after the same warm-up as every target. */
export async function measureCeilingRuns(inputs: CeilingInputs): Promise<CeilingRun[]> {
  const runs: CeilingRun[] = [];
  for (const workUs of [0, CEILING_WORK_US]) {
    const url = `https://127.0.0.1:${inputs.port}`;
    const target = await startTarget(
      `bare-fastify (mutate's answer, ${workUs} µs of work)`,
      inputs.node,
      [
        `${inputs.root}/bench/bare-fastify.ts`,
        inputs.certDir,
        String(inputs.port),
        inputs.answerFile,
        String(workUs),
      ],
      `${url}/readyz`,
    );
    try {
      const { settings, scratch, bodies } = inputs;
      saturate(`${url}/mutate`, bodies, { ...settings, saturationSeconds: settings.warmupSeconds }, scratch);
      const sat = saturate(`${url}/mutate`, bodies, settings, scratch);
      runs.push({ work_us: workUs, rps: Math.round(sat.rps) });
      console.log(
        `calibration, mutate's answer after ${workUs} µs of busy work: ${Math.round(sat.rps)} reviews/s`,
      );
    } finally {
      await stopTarget(target);
    }
  }
  return runs;
}

/** The hook's time in its histogram: seconds and reviews, over every series of that hook. */
export function hookTimeOf(metrics: string, hook: string): { seconds: number; reviews: number } {
  let seconds = 0;
  let reviews = 0;
  const label = `hook="${hook}"`;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('rtw_admission_duration_seconds_') || !line.includes(label)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('rtw_admission_duration_seconds_sum{')) seconds += value;
    else if (line.startsWith('rtw_admission_duration_seconds_count{')) reviews += value;
  }
  return { seconds, reviews };
}

/** The figures from the calibration runs and bare-fastify's own throughput. */
export function ceilingOf(
  bareRps: number,
  runs: CeilingRun[],
  hookUs: Record<string, number>,
): Ceiling | undefined {
  const none = runs.find((r) => r.work_us === 0);
  const some = runs.find((r) => r.work_us > 0);
  if (!none || !some || bareRps <= 0 || none.rps <= 0 || some.rps <= 0) return undefined;
  const cost = (rps: number) => 1e6 / rps;
  const bare = cost(bareRps);
  const slope = (cost(some.rps) - cost(none.rps)) / some.work_us;
  if (!(slope > 0)) return undefined;
  return {
    runs,
    answer_cost_us: round1(cost(none.rps) - bare),
    cost_per_work_us: round3(slope),
    work_budget_us: {
      mutate: round1((bare / 0.6 - cost(none.rps)) / slope),
      validate: round1((bare / 0.7 - bare) / slope),
    },
    hook_us_at_saturation: hookUs,
  };
}
