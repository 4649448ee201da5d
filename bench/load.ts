/**
 * The load side: wrk (Debian's package) for throughput at saturation, and bench/load-go for
 * latency at a fixed rate (open loop with coordinated-omission correction; plain wrk cannot
 * hold a constant rate and Debian has no wrk2). Both speak HTTPS keep-alive on loopback and
 * rotate through the same review bodies; both run pinned to core 0.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { commandExists, pinned } from './processes.js';

export interface LoadSettings {
  /** Connections for both tools; the apiserver holds a few per webhook. */
  connections: number;
  saturationSeconds: number;
  fixedRate: number;
  fixedSeconds: number;
  warmupSeconds: number;
  /**
   * An unmeasured load-go run at the fixed rate between the saturation and the measured run
   * (settleAtFixedRate): the target's JIT settles on load-go's requests and connections.
   */
  settleSeconds: number;
}

export const FULL: LoadSettings = {
  connections: 16,
  saturationSeconds: 20,
  fixedRate: 2000,
  fixedSeconds: 30,
  warmupSeconds: 5,
  settleSeconds: 4,
};
export const QUICK: LoadSettings = {
  connections: 16,
  saturationSeconds: 6,
  fixedRate: 2000,
  fixedSeconds: 8,
  warmupSeconds: 2,
  settleSeconds: 4,
};

export const TOOL_DIR = join(homedir(), '.cache', 'rtw-bench');

/** Installs wrk from Debian when it is missing (fresh machines); fails with the reason otherwise. */
export function ensureWrk(): string {
  if (!commandExists('wrk')) {
    console.log('wrk is missing; installing it from Debian (apt-get install -y wrk)');
    const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
    const run = (args: string[]) =>
      spawnSync(sudo[0] ?? args[0]!, sudo.length ? args : args.slice(1), { stdio: 'inherit' });
    run(['apt-get', 'update']);
    run(['apt-get', 'install', '-y', 'wrk']);
    if (!commandExists('wrk'))
      throw new Error('wrk could not be installed; install it with `apt-get install -y wrk`');
  }
  // `wrk --version` prints its banner and exits 1.
  return spawnSync('wrk', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim() || 'wrk';
}

/**
 * Builds a Go command from bench/<dir> into ~/.cache/rtw-bench/<dir> with the machine's Go;
 * modules go to ~/.cache/go/pkg/mod (unless GOMODCACHE says otherwise), writable so they can
 * be cleaned. The first build of the peer compiles controller-runtime and client-go: minutes.
 */
export function buildGo(root: string, dir: string): string {
  const out = join(TOOL_DIR, dir);
  const env = {
    ...process.env,
    GOFLAGS: '-modcacherw',
    GOMODCACHE: process.env['GOMODCACHE'] ?? join(homedir(), '.cache', 'go', 'pkg', 'mod'),
  };
  execFileSync('go', ['build', '-o', out, '.'], { cwd: join(root, 'bench', dir), env, stdio: 'inherit' });
  return out;
}

export function goVersion(): string {
  return execFileSync('go', ['version'], { encoding: 'utf8' }).trim();
}

export interface Saturation {
  rps: number;
  requests: number;
  non2xx: number;
  errors: string;
}

const WRK_SCRIPT = (bodies: string) => `
-- Rotates through one AdmissionReview per line of ${bodies}.
local bodies = {}
for line in io.lines("${bodies}") do
  if #line > 0 then bodies[#bodies + 1] = line end
end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
`;

/** Closed-loop saturation with wrk: as many reviews per second as the target answers. */
export function saturate(
  url: string,
  bodiesFile: string,
  settings: LoadSettings,
  scratch: string,
): Saturation {
  const script = join(scratch, 'rotate-bodies.lua');
  writeFileSync(script, WRK_SCRIPT(bodiesFile));
  const args = ['-t1', `-c${settings.connections}`, `-d${settings.saturationSeconds}s`, '-s', script, url];
  const [cmd, argv] = pinned(0, 'wrk', args);
  const output = execFileSync(cmd, argv, { encoding: 'utf8' });
  const number = (re: RegExp) => Number(re.exec(output)?.[1] ?? 0);
  return {
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    requests: number(/(?<!\d)(\d+) requests in/),
    non2xx: number(/Non-2xx or 3xx responses:\s+(\d+)/),
    errors: /Socket errors:.*/.exec(output)?.[0] ?? '',
  };
}

export interface FixedRate {
  sent: number;
  completed: number;
  errors: number;
  non_2xx: number;
  patched: number;
  achieved_rate: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
  /** How late load-go queued the requests: its own share of each latency, not the target's. */
  late_p50_ms: number;
  late_p99_ms: number;
  late_max_ms: number;
}

/**
 * At this, load-go was as late as when it slept with time.Sleep (about 1.06 ms at the 99th
 * percentile), and a good part of a p99 measured against a 2 ms target is the load side's:
 * the row says so. With nanosleep it was 0.11-1.02 ms in the bench's rows, where its own
 * workers and the fake apiserver share its core (docs/benchmarks.md, thirteenth pass). Every
 * row's figures are in its late_*_ms fields.
 */
export const GENERATOR_LATE_P99_WARN_MS = 1;

/** Open-loop constant rate with bench/load-go; latencies from each request's due time. */
export function fixedRate(
  loadGo: string,
  url: string,
  bodiesFile: string,
  settings: LoadSettings,
  caFile: string,
): FixedRate {
  const fixed = runLoadGo(loadGo, url, bodiesFile, settings, caFile, {
    duration: settings.fixedSeconds,
    warmup: settings.warmupSeconds,
  });
  if (fixed.late_p99_ms >= GENERATOR_LATE_P99_WARN_MS)
    console.log(
      `warning: load-go queued 1 % of its requests ${fixed.late_p99_ms} ms late or more ` +
        `(from ${GENERATOR_LATE_P99_WARN_MS} ms): the load side's own delay is a good part of this p99`,
    );
  return fixed;
}

/**
 * load-go at the fixed rate for settings.settleSeconds, unmeasured, before `fixedRate`. After
 * wrk's saturation, the first seconds of load-go's requests (other headers, other connections,
 * and their close) deoptimized the target's HTTP path and TurboFan compiled it again, 1-15 ms
 * of compiler time a function on the target's one core: the first fixed-rate run after wrk
 * read a p99 of 1.8-4.5 ms, the run after it 1.3-3.5 ms, medians 2.97 and 1.84 ms over 15 pairs
 * (docs/benchmarks.md, thirteenth pass).
 */
export function settleAtFixedRate(
  loadGo: string,
  url: string,
  bodiesFile: string,
  settings: LoadSettings,
  caFile: string,
): void {
  runLoadGo(loadGo, url, bodiesFile, settings, caFile, { duration: settings.settleSeconds, warmup: 0 });
}

function runLoadGo(
  loadGo: string,
  url: string,
  bodiesFile: string,
  settings: LoadSettings,
  caFile: string,
  seconds: { duration: number; warmup: number },
): FixedRate {
  const args = [
    `-url=${url}`,
    `-bodies=${bodiesFile}`,
    `-rate=${settings.fixedRate}`,
    `-duration=${seconds.duration}s`,
    `-warmup=${seconds.warmup}s`,
    `-connections=${settings.connections}`,
    `-ca=${caFile}`,
  ];
  const [cmd, argv] = pinned(0, loadGo, args);
  return JSON.parse(execFileSync(cmd, argv, { encoding: 'utf8' })) as FixedRate;
}
