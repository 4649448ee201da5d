/**
 * Settings of `serve`: each comes from a flag, else an `RTW_*` environment variable, else a
 * default. Every value is checked here, so a typo fails at start with a message, not later.
 */
import { DEFAULT_AUDIT_REJUDGE_EVERY } from '../audit/auditor.js';
import { DEFAULT_AUDIT_CPU_SHARE } from '../audit/cpu-share.js';
import type { StreamTiming } from '../cluster/resource-stream.js';
import { DEFAULT_CONTROLLER_IDENTITIES, type Enforcement } from '../webhook/admission/handler.js';
import type { ConnectionLimits } from '../webhook/server.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: ReadonlySet<string> = new Set([
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
]);

/**
 * What one `serve` process does (`--operation`): answer the admission hooks, run the
 * background audit, or both. As Gatekeeper's `--operation` (its docs, "Operations"), so that
 * the audit can run in a pod of its own, apart from the replicas that answer reviews.
 */
export type ServeOperation = 'webhook' | 'audit';
const SERVE_OPERATIONS: readonly ServeOperation[] = ['webhook', 'audit'];

export interface ServeOptions {
  /** Never empty. Without 'audit', auditIntervalSeconds is 0; without 'webhook', eventQueueSize is 0. */
  operations: ReadonlySet<ServeOperation>;
  port: number;
  host: string;
  certDir: string;
  clientCa?: string;
  /** With clientCa: accept only client certificates whose subject CN is one of these. */
  clientNames: string[];
  kubeconfig?: string;
  /** Manifest files/folders instead of watching a cluster. */
  state: string[];
  /** Namespaces to cache; empty means all. */
  namespaces: string[];
  controllerIdentities: string[];
  enforcement: Enforcement;
  /** Per-rule actions and exemptions (YAML); absent: every rule follows `enforcement`. */
  policyFile?: string;
  /** Seconds between background audits; 0 turns the audit off. */
  auditIntervalSeconds: number;
  /** Share of the event loop the background audit may take, in (0, 1]. */
  auditCpuShare: number;
  /** Every namespace is judged again at least every N audits (1: every audit full; 0: only on changes). */
  auditRejudgeEvery: number;
  /** Distinct Events queued at most; 0 turns Events off. */
  eventQueueSize: number;
  logLevel: LogLevel;
  shutdownDelaySeconds: number;
  /** Make dev certificates when none exist, and fall back to examples/ when no cluster answers. */
  dev: boolean;
  /** Timings for tests (no flag or variable sets them): connection limits and cache timing. */
  tuning?: { limits?: Partial<ConnectionLimits>; cacheTiming?: Partial<StreamTiming> };
}

type Raw = Record<string, string | string[] | boolean | undefined>;

function pick(raw: Raw, flag: string, env: NodeJS.ProcessEnv, envName: string): string | undefined {
  const value = raw[flag];
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.at(-1);
  const fromEnv = env[envName];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function integer(text: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** A fraction in (0, 1] written as a decimal: `0.1`, `.25`, `1`. */
function fraction(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^(?:0?\.\d{1,6}|1(?:\.0{1,6})?)$/.test(text) || Number(text) <= 0) {
    throw new UsageError(
      `${name} must be a decimal above 0 and at most 1 (e.g. 0.1), got ${JSON.stringify(text)}`,
    );
  }
  return Number(text);
}

function operationsOf(text: string | undefined): ReadonlySet<ServeOperation> {
  if (text === undefined) return new Set(SERVE_OPERATIONS);
  const names = list(text);
  const unknown = names.filter((name) => !(SERVE_OPERATIONS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(
      `--operation must be webhook, audit or both (comma-separated), got ${JSON.stringify(text)}`,
    );
  }
  return new Set(names as ServeOperation[]);
}

/** The audit's settings; each is refused, not ignored, when this process runs no audit. */
function auditSettings(
  raw: Raw,
  env: NodeJS.ProcessEnv,
  operations: ReadonlySet<ServeOperation>,
): Pick<ServeOptions, 'auditIntervalSeconds' | 'auditCpuShare' | 'auditRejudgeEvery'> {
  const interval = pick(raw, 'audit-interval-seconds', env, 'RTW_AUDIT_INTERVAL_SECONDS');
  const cpuShare = pick(raw, 'audit-cpu-share', env, 'RTW_AUDIT_CPU_SHARE');
  const rejudgeEvery = pick(raw, 'audit-rejudge-every', env, 'RTW_AUDIT_REJUDGE_EVERY');
  const settings = {
    auditIntervalSeconds: integer(interval, '--audit-interval-seconds', 0, 86_400, 300),
    auditCpuShare: fraction(cpuShare, '--audit-cpu-share', DEFAULT_AUDIT_CPU_SHARE),
    auditRejudgeEvery: integer(rejudgeEvery, '--audit-rejudge-every', 0, 1000, DEFAULT_AUDIT_REJUDGE_EVERY),
  };
  // Never empty: without the audit, the operations are the webhook alone.
  if (!operations.has('audit')) {
    const given = [
      settings.auditIntervalSeconds > 0 && interval !== undefined ? '--audit-interval-seconds' : '',
      cpuShare === undefined ? '' : '--audit-cpu-share',
      rejudgeEvery === undefined ? '' : '--audit-rejudge-every',
    ].filter(Boolean);
    if (given.length > 0) {
      throw new UsageError(
        `${given.join(', ')} configure${given.length === 1 ? 's' : ''} the background audit, which --operation webhook does not run: remove ${given.length === 1 ? 'it' : 'them'}, or add audit to --operation`,
      );
    }
    return { ...settings, auditIntervalSeconds: 0 };
  }
  if (!operations.has('webhook') && settings.auditIntervalSeconds === 0) {
    throw new UsageError(
      '--operation audit runs only the background audit: --audit-interval-seconds must be above 0',
    );
  }
  return settings;
}

/** Events are recorded for answered reviews: a process that answers none records none. */
function eventQueueSizeOf(raw: Raw, env: NodeJS.ProcessEnv, operations: ReadonlySet<ServeOperation>): number {
  const size = integer(
    pick(raw, 'event-queue-size', env, 'RTW_EVENT_QUEUE_SIZE'),
    '--event-queue-size',
    0,
    100_000,
    1000,
  );
  return operations.has('webhook') ? size : 0;
}

export function serveOptions(raw: Raw, env: NodeJS.ProcessEnv = process.env): ServeOptions {
  const operations = operationsOf(pick(raw, 'operation', env, 'RTW_OPERATION'));
  const enforcement = pick(raw, 'enforcement', env, 'RTW_ENFORCEMENT') ?? 'deny';
  if (enforcement !== 'deny' && enforcement !== 'warn') {
    throw new UsageError(`--enforcement must be deny or warn, got ${JSON.stringify(enforcement)}`);
  }
  const logLevel = pick(raw, 'log-level', env, 'RTW_LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) {
    throw new UsageError(
      `--log-level must be one of ${[...LOG_LEVELS].join(', ')}, got ${JSON.stringify(logLevel)}`,
    );
  }
  const stateFlag = raw.state;
  const state = Array.isArray(stateFlag)
    ? stateFlag
    : typeof stateFlag === 'string'
      ? [stateFlag]
      : list(env.RTW_STATE);
  const clientCa = pick(raw, 'client-ca', env, 'RTW_CLIENT_CA');
  const clientNames = list(pick(raw, 'client-cn', env, 'RTW_CLIENT_CN'));
  if (clientNames.length > 0 && clientCa === undefined) {
    throw new UsageError('--client-cn needs --client-ca: names are checked on verified certificates only');
  }
  const identities = list(pick(raw, 'controller-identities', env, 'RTW_CONTROLLER_IDENTITIES'));
  return {
    operations,
    port: integer(pick(raw, 'port', env, 'RTW_PORT'), '--port', 0, 65535, 8443),
    host: pick(raw, 'host', env, 'RTW_HOST') ?? '0.0.0.0',
    certDir: pick(raw, 'cert-dir', env, 'RTW_CERT_DIR') ?? 'certs',
    clientCa,
    clientNames,
    kubeconfig: pick(raw, 'kubeconfig', env, 'KUBECONFIG'),
    state,
    namespaces: list(pick(raw, 'namespaces', env, 'RTW_NAMESPACES')),
    controllerIdentities: identities.length > 0 ? identities : DEFAULT_CONTROLLER_IDENTITIES,
    enforcement,
    policyFile: pick(raw, 'policy', env, 'RTW_POLICY'),
    ...auditSettings(raw, env, operations),
    eventQueueSize: eventQueueSizeOf(raw, env, operations),
    logLevel: logLevel as LogLevel,
    shutdownDelaySeconds: integer(
      pick(raw, 'shutdown-delay-seconds', env, 'RTW_SHUTDOWN_DELAY_SECONDS'),
      '--shutdown-delay-seconds',
      0,
      300,
      0,
    ),
    dev: raw.dev === true,
  };
}

export const SERVE_FLAGS = {
  operation: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'cert-dir': { type: 'string' },
  'client-ca': { type: 'string' },
  'client-cn': { type: 'string' },
  kubeconfig: { type: 'string' },
  state: { type: 'string', multiple: true },
  namespaces: { type: 'string' },
  'controller-identities': { type: 'string' },
  enforcement: { type: 'string' },
  policy: { type: 'string' },
  'audit-interval-seconds': { type: 'string' },
  'audit-cpu-share': { type: 'string' },
  'audit-rejudge-every': { type: 'string' },
  'event-queue-size': { type: 'string' },
  'log-level': { type: 'string' },
  'shutdown-delay-seconds': { type: 'string' },
  dev: { type: 'boolean' },
} as const;
