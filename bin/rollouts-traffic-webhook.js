#!/usr/bin/env node
// Launcher for the CLI. The project needs Node >= 24; machines may only have an older
// system Node, so when this file is started by one, it re-executes itself with the Node
// that the `node` devDependency installed. In the container image the system Node is 24.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
const cli = join(here, '..', 'dist', 'cli.js');

if (!existsSync(cli)) {
  console.error('rollouts-traffic-webhook: dist/cli.js is missing; run `npm ci` (or `npm run build`) first');
  process.exit(2);
}

if (major < 24) {
  const bundled = join(here, '..', 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bundled)) {
    console.error(
      `rollouts-traffic-webhook: Node >= 24 is required (this is ${process.version}); install Node 24, ` +
        'or in a checkout of the repository run `npm ci`, which brings it',
    );
    process.exit(2);
  }
  // The extra IPC channel is how the child learns that this launcher died: even a SIGKILL,
  // which cannot be forwarded, closes it, and the child then shuts down (src/cli.ts).
  const child = spawn(bundled, [cli, ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, RTW_LAUNCHED: '1' },
  });
  // Forward termination signals so `serve` drains gracefully under the bundled Node too.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  // A child ended by a signal exits the launcher with 128 + the signal's number, as a shell reports it.
  child.on('exit', (code, signal) =>
    process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)),
  );
} else {
  await import(pathToFileURL(cli).href);
}
