/**
 * Command-line entry point: `rollouts-traffic-webhook serve | review | check | render`.
 * Usage errors print a message and exit 2; nothing prints a stack trace for bad input.
 */
import { parseArgs } from 'node:util';
import { SERVE_FLAGS, UsageError, serveOptions } from './commands/options.js';

// Commands are imported when run: the offline ones then never load the Kubernetes client,
// which makes them start several times faster (they run in CI and pre-commit hooks).

const USAGE = `Usage: rollouts-traffic-webhook <command> [options]

Commands:
  serve                      Run the HTTPS admission webhook (POST /mutate, /validate).
      --port N               HTTPS port (RTW_PORT, default 8443)
      --host ADDR            listen address (RTW_HOST, default 0.0.0.0)
      --cert-dir DIR         folder with tls.crt and tls.key, reloaded on change (RTW_CERT_DIR, default certs)
      --client-ca FILE       require apiserver client certificates signed by this CA (RTW_CLIENT_CA)
      --client-cn A,B        with --client-ca: also require the certificate's subject CN to be one of these (RTW_CLIENT_CN)
      --kubeconfig FILE      cluster to watch (KUBECONFIG; default in-cluster or ~/.kube/config)
      --state PATH           serve from manifest files/folders instead of a cluster (repeatable; RTW_STATE)
      --namespaces A,B       namespaces to cache (RTW_NAMESPACES, default all)
      --controller-identities U1,U2
                             Argo Rollouts controller usernames (RTW_CONTROLLER_IDENTITIES,
                             default system:serviceaccount:argo-rollouts:argo-rollouts)
      --enforcement deny|warn
                             deny invalid objects or only warn (RTW_ENFORCEMENT, default deny)
      --policy FILE          per-rule actions (deny|warn|audit|off) and exemptions (RTW_POLICY; docs/policy.md)
      --audit-interval-seconds N
                             background audit into PolicyReports every N s, 0 = off (RTW_AUDIT_INTERVAL_SECONDS, default 300)
      --event-queue-size N   Events waiting to be written at most, 0 = no Events (RTW_EVENT_QUEUE_SIZE, default 1000)
      --log-level LEVEL      fatal|error|warn|info|debug|trace|silent (RTW_LOG_LEVEL, default info)
      --shutdown-delay-seconds N
                             keep serving N s after readiness turns false (RTW_SHUTDOWN_DELAY_SECONDS, default 0)
      --dev                  make dev certificates if missing; use examples/quickstart when no cluster answers
  review --hook mutate|validate --state PATH...
                             Read an AdmissionReview on stdin, print the server's answer.
  check PATH... [--output text|json] [--policy FILE]
                             Lint manifests offline: what /validate would deny or warn. Exit 1 on errors.
  render PATH...             Print the manifests with each Ingress as admitted on CREATE.
`;

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: SERVE_FLAGS, strict: true, allowPositionals: false });
  const options = serveOptions(values);
  const { startServer } = await import('./commands/serve.js');
  const running = await startServer(options);
  if (options.dev) printDevHint(running.url);
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

function printDevHint(url: string): void {
  const base = url.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
  process.stderr.write(
    `\nTry it:\n  curl --cacert certs/ca.crt -H 'Content-Type: application/json' \\\n` +
      `    --data @examples/reviews/argocd-reapply-mid-canary.json ${base}/mutate\n\n`,
  );
}

async function review(args: string[]): Promise<number> {
  const { values } = parseArgs({
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
      state: values.state ?? [],
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
      'controller-identities': { type: 'string' },
      policy: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new UsageError('check needs at least one manifest file or folder');
  const { checkCommand } = await import('./commands/check.js');
  return checkCommand({
    paths: positionals,
    output: values.output,
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

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (error) {
    const isUsage =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`rollouts-traffic-webhook ${command}: ${(error as Error).message}\n`);
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
