import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpsRequest } from './https.js';
import type { ManagedProcess, ProcessGroup } from './processes.js';
import { waitUntilReady } from './readiness.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

/** Any server command; the harness only needs it to serve HTTPS on `port` with `/readyz`. */
export interface ServerCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

export interface ServeOptions {
  readonly port: number;
  readonly certDir: string;
  readonly kubeconfig: string;
  readonly namespaces?: readonly string[];
  readonly controllerIdentities?: readonly string[];
  readonly enforcement?: 'deny' | 'warn';
  readonly logLevel?: string;
  /** More `serve` flags, e.g. `--policy=FILE` or `--audit-interval-seconds=2`. */
  readonly extraArgs?: readonly string[];
}

/** The project's own `serve` command line (the CLI contract), run with the Node that runs the tests. */
export function serveCommand(options: ServeOptions): ServerCommand {
  const cli = join(REPO_ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` before the e2e suite`);
  const args = [
    cli,
    'serve',
    `--port=${options.port}`,
    '--host=127.0.0.1',
    `--cert-dir=${options.certDir}`,
    `--kubeconfig=${options.kubeconfig}`,
  ];
  if (options.namespaces?.length) args.push(`--namespaces=${options.namespaces.join(',')}`);
  if (options.controllerIdentities?.length)
    args.push(`--controller-identities=${options.controllerIdentities.join(',')}`);
  if (options.enforcement) args.push(`--enforcement=${options.enforcement}`);
  args.push(`--log-level=${options.logLevel ?? 'info'}`);
  args.push(...(options.extraArgs ?? []));
  return { command: process.execPath, args };
}

export interface RunningWebhook {
  readonly process: ManagedProcess;
  readonly port: number;
  readonly baseUrl: string;
}

/**
 * Starts a webhook server and waits until GET /readyz answers 200 over TLS trusted by `ca`
 * (for the project's server that means its watch caches have synced).
 */
export async function startWebhookServer(
  processes: ProcessGroup,
  server: ServerCommand,
  { port, ca, logFile }: { port: number; ca: string; logFile: string },
): Promise<RunningWebhook> {
  const managed = processes.start('webhook', server.command, server.args, {
    logFile,
    env: { ...process.env, ...server.env, NO_PROXY: '127.0.0.1,localhost' },
  });
  const baseUrl = `https://127.0.0.1:${port}`;
  try {
    await waitUntilReady(managed, READY_TIMEOUT_MS, async () =>
      (await httpsRequest(`${baseUrl}/readyz`, { ca })).status === 200 ? true : undefined,
    );
  } catch (err) {
    await processes.stop(managed);
    throw err;
  }
  return { process: managed, port, baseUrl };
}

/**
 * How the server said it reaches the apiserver: the fields of its last `watching the
 * apiserver` log line (server, source, loader, credentials), or undefined.
 */
export function apiserverConnection(webhook: RunningWebhook): Record<string, unknown> | undefined {
  const lines = readFileSync(webhook.process.logFile, 'utf8').split('\n');
  const logged = lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return entry['msg'] === 'watching the apiserver' ? [entry] : [];
    } catch {
      return [];
    }
  });
  return logged.at(-1);
}
