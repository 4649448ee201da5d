/**
 * Command-line entry point: `rollouts-traffic-webhook serve | review | check | render`.
 * Usage errors print a message and exit 2; nothing prints a stack trace for bad input.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { COMMAND_HELP, USAGE } from './commands/help.js';
import { SERVE_FLAGS, UsageError, serveOptions } from './commands/options.js';
import { packageVersion } from './commands/version.js';

// Commands are imported when run: the offline ones then never load the Kubernetes client,
// which makes them start several times faster (they run in CI and pre-commit hooks).

async function serve(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: SERVE_FLAGS,
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) {
    throw new UsageError(
      `serve takes no paths (got ${JSON.stringify(positionals[0])}); to serve from manifests use --state ${positionals[0]}`,
    );
  }
  const options = serveOptions(values);
  const { startServer } = await import('./commands/serve.js');
  const running = await startServer(options);
  if (options.dev) printDevHint(running.url, options.certDir, devReviewPath());
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.exit(130); // a second signal means: stop now
      }
      stopping = true;
      running.server.app.log.info({ signal }, 'shutting down: readiness off, draining in-flight requests');
      running.stop().then(resolve, (error: unknown) => {
        running.server.app.log.error({ err: error }, 'error during shutdown');
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('SIGHUP', () => void running.certificates.reload());
  });
  // Anything still holding the event loop (a watch being torn down) must not keep a
  // stopped server alive.
  setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}

function printDevHint(url: string, certDir: string, review: string): void {
  const base = url.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
  // The patch travels base64-encoded in the AdmissionReview; jq's @base64d shows it as JSON.
  process.stderr.write(
    `\nTry it (the patch is base64 in the answer; jq decodes it):\n` +
      `  curl -s --cacert ${certDir}/ca.crt -H 'Content-Type: application/json' \\\n` +
      `    --data @${review} ${base}/mutate \\\n` +
      `    | jq '.response.patch |= (@base64d | fromjson)'\n\n`,
  );
}

/** The example review, relative to the working folder when it is there (the repository). */
function devReviewPath(): string {
  const local = 'examples/reviews/argocd-reapply-mid-canary.json';
  return existsSync(local) ? local : fileURLToPath(new URL(`../${local}`, import.meta.url));
}

async function review(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      hook: { type: 'string' },
      state: { type: 'string', multiple: true },
      'controller-identities': { type: 'string' },
      enforcement: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  const { reviewCommand } = await import('./commands/review.js');
  return reviewCommand(
    {
      hook: values.hook,
      state: [...(values.state ?? []), ...positionals],
      controllerIdentities: values['controller-identities'],
      enforcement: values.enforcement,
    },
    process.stdin,
  );
}

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      output: { type: 'string', short: 'o' },
      'fail-on': { type: 'string' },
      'ingress-class': { type: 'string', multiple: true },
      'controller-identities': { type: 'string' },
      policy: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length === 0) {
    throw new UsageError('check needs at least one manifest file or folder, or - for standard input');
  }
  const { checkCommand } = await import('./commands/check.js');
  return checkCommand({
    paths: positionals,
    output: values.output,
    failOn: values['fail-on'],
    ingressClasses: values['ingress-class'] ?? [],
    controllerIdentities: values['controller-identities'],
    policy: values.policy,
  });
}

async function render(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'controller-identities': { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new UsageError('render needs at least one manifest file or folder');
  const { renderCommand } = await import('./commands/render.js');
  return renderCommand(positionals, values['controller-identities']);
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = { serve, review, check, render };

const HELP_FLAGS = new Set(['--help', '-h']);

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (command === undefined || command === 'help' || HELP_FLAGS.has(command)) {
    const topic = command === 'help' ? rest[0] : undefined;
    process.stdout.write((topic && COMMAND_HELP[topic]) || USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  // Help wins over everything else on the line, before any flag is checked.
  const end = rest.indexOf('--');
  if ((end < 0 ? rest : rest.slice(0, end)).some((a) => HELP_FLAGS.has(a))) {
    process.stdout.write(COMMAND_HELP[command] ?? USAGE);
    return 0;
  }
  try {
    return await run(rest);
  } catch (error) {
    const isUsage =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`rollouts-traffic-webhook ${command}: ${(error as Error).message}\n`);
    if (isUsage)
      process.stderr.write(`Run \`rollouts-traffic-webhook ${command} --help\` for its options.\n`);
    return isUsage ? 2 : 1;
  }
}

// Keep serving when a promise is rejected without a handler somewhere in a dependency:
// log it loudly instead of letting Node's default end the process mid-request.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled promise rejection: ${(reason as Error)?.stack ?? String(reason)}\n`);
});

// Started by the launcher (bin/) under an older system Node: when the launcher goes away, even
// killed with SIGKILL, its IPC channel closes; stop as on SIGTERM rather than live on orphaned
// (holding the port). The channel must not keep short commands alive.
if (process.env.RTW_LAUNCHED === '1' && process.channel) {
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

process.exitCode = await main(process.argv.slice(2));
