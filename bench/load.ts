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
}

export const FULL: LoadSettings = {
  connections: 16,
  saturationSeconds: 20,
  fixedRate: 2000,
  fixedSeconds: 30,
  warmupSeconds: 5,
};
export const QUICK: LoadSettings = {
  connections: 16,
  saturationSeconds: 6,
  fixedRate: 2000,
  fixedSeconds: 8,
  warmupSeconds: 2,
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
}

/** Open-loop constant rate with bench/load-go; latencies from each request's due time. */
export function fixedRate(
  loadGo: string,
  url: string,
  bodiesFile: string,
  settings: LoadSettings,
  caFile: string,
): FixedRate {
  const args = [
    `-url=${url}`,
    `-bodies=${bodiesFile}`,
    `-rate=${settings.fixedRate}`,
    `-duration=${settings.fixedSeconds}s`,
    `-warmup=${settings.warmupSeconds}s`,
    `-connections=${settings.connections}`,
    `-ca=${caFile}`,
  ];
  const [cmd, argv] = pinned(0, loadGo, args);
  return JSON.parse(execFileSync(cmd, argv, { encoding: 'utf8' })) as FixedRate;
}
