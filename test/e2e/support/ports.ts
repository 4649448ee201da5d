import { createServer } from 'node:net';

/**
 * Asks the kernel for a free TCP port. `host` is where the port must be free: the Rollouts
 * controller binds its metrics and healthz servers to 0.0.0.0, so its ports are checked there.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('kernel returned no port');
  return address.port;
}

/** Several distinct free ports (a port handed out twice would make two components collide). */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}
