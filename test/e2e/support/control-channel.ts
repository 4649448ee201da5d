import { createServer, type Server } from 'node:http';

/** Components the global setup owns and a test may ask it to restart (scenario 5). */
export type RestartableComponent = 'kube-apiserver' | 'rollouts-controller';

/**
 * Test files run in worker processes, but the control plane belongs to the global setup's
 * process. This loopback endpoint lets a test ask that process to restart a component it
 * owns, so every pid stays tracked by the one place that stops it.
 */
export async function openControlChannel(
  restart: Record<RestartableComponent, () => Promise<void>>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const match = /^\/restart\/([a-z-]+)$/.exec(req.url ?? '');
    const component = match?.[1] as RestartableComponent | undefined;
    if (req.method !== 'POST' || !component || !(component in restart)) {
      res.writeHead(404).end(`unknown control request ${req.method} ${req.url}`);
      return;
    }
    const started = Date.now();
    restart[component]().then(
      () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ms: Date.now() - started })),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('control channel has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Asks the global setup to restart a component; resolves with how long the restart took. */
export async function restartComponent(controlUrl: string, component: RestartableComponent): Promise<number> {
  const res = await fetch(`${controlUrl}/restart/${component}`, {
    method: 'POST',
    signal: AbortSignal.timeout(180_000),
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`restart of ${component} failed (${res.status}): ${body}`);
  return (JSON.parse(body) as { ms: number }).ms;
}
