import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Cluster } from './cluster.js';
import type { E2eEnvironment } from './environment.js';
import { freePort } from './ports.js';
import type { ProcessGroup } from './processes.js';
import { registerWebhooks, waitForWebhooksInForce } from './webhook-registration.js';
import {
  serveCommand,
  startWebhookServer,
  type RunningWebhook,
  type ServeOptions,
  type ServerCommand,
} from './webhook-server.js';

export interface WebhookUnderTest extends RunningWebhook {
  /** Stops the server and starts it again on the same port (registration stays valid). */
  restart(): Promise<WebhookUnderTest>;
}

export type WebhookChoices = Pick<ServeOptions, 'namespaces' | 'enforcement' | 'logLevel' | 'extraArgs'>;

/**
 * Starts the project's `serve` against the e2e apiserver (its own client identity, the
 * controller's identity as the trusted writer), registers it by url + caBundle, and
 * returns once the apiserver really calls it for objects in `probeNamespace`.
 * `server` replaces the command line, keeping everything else.
 */
export async function startRegisteredWebhook(
  env: E2eEnvironment,
  admin: Cluster,
  processes: ProcessGroup,
  probeNamespace: string,
  choices: WebhookChoices = {},
  server?: (port: number) => ServerCommand,
): Promise<WebhookUnderTest> {
  const { pki, logDir } = env.controlPlane;
  const port = await freePort();
  const command = server?.(port) ?? projectServe(env, port, choices);
  const start = async (): Promise<WebhookUnderTest> => {
    const running = await startWebhookServer(processes, command, {
      port,
      ca: pki.caCert,
      logFile: join(logDir, 'webhook.log'),
    });
    return {
      ...running,
      restart: async () => {
        await processes.stop(running.process);
        return start();
      },
    };
  };
  const webhook = await start();
  await registerWebhooks(admin, {
    caBundle: readFileSync(pki.caCert, 'utf8'),
    baseUrl: webhook.baseUrl,
    controllerIdentities: [env.rolloutsController.user],
  });
  const adminTls = { ca: pki.caCert, cert: pki.clients.admin.cert, key: pki.clients.admin.key };
  await waitForWebhooksInForce(admin, adminTls, probeNamespace);
  return webhook;
}

/** The project's `serve` on `port`, as the e2e suite runs it: the webhook's identity and certificate. */
function projectServe(env: E2eEnvironment, port: number, choices: WebhookChoices): ServerCommand {
  const { pki, kubeconfigs } = env.controlPlane;
  return serveCommand({
    port,
    certDir: pki.webhookCertDir,
    kubeconfig: kubeconfigs.webhook,
    controllerIdentities: [env.rolloutsController.user],
    ...choices,
  });
}

/**
 * Starts `serve --operation audit` against the e2e apiserver with the webhook's identity, as
 * the chart's audit Deployment runs it: not registered (it answers no reviews), ready once its
 * first audit has run (or its 30 s deadline has passed: a report CRD installed moments before
 * can refuse that audit's writes, and the next audit writes them).
 */
export async function startAuditor(
  env: E2eEnvironment,
  processes: ProcessGroup,
  choices: WebhookChoices = {},
): Promise<RunningWebhook> {
  const { pki, logDir } = env.controlPlane;
  const port = await freePort();
  const command = projectServe(env, port, {
    ...choices,
    extraArgs: ['--operation=audit', ...(choices.extraArgs ?? [])],
  });
  return startWebhookServer(processes, command, {
    port,
    ca: pki.caCert,
    logFile: join(logDir, 'webhook-audit-only.log'),
  });
}
