/**
 * The packed CLI: `npm pack` makes a tarball that installs in another folder and runs `check`
 * there. Offline: the install uses a lockfile made from this repository's (the same versions,
 * already in the npm cache after `npm ci`) and `npm ci --offline`, so no registry is asked.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../commands/cli-run.js';

const ROOT = resolve('.');
const PACKAGE = JSON.parse(readFileSync('package.json', 'utf8')) as {
  name: string;
  version: string;
  license: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
};
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface LockEntry {
  dev?: boolean;
  link?: boolean;
  [key: string]: unknown;
}

function npm(args: string[], cwd: string): string {
  const result = spawnSync(NPM, args, { cwd, encoding: 'utf8', timeout: 240_000 });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

/** A lockfile for a project whose only dependency is the tarball: this repository's production entries. */
function consumerLock(tarball: string, spec: string): string {
  const repoLock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { [PACKAGE.name]: spec } },
    [`node_modules/${PACKAGE.name}`]: {
      version: PACKAGE.version,
      resolved: spec,
      integrity,
      license: PACKAGE.license,
      dependencies: PACKAGE.dependencies,
      bin: PACKAGE.bin,
      engines: PACKAGE.engines,
    },
  };
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (path !== '' && !entry.dev && !entry.link) packages[path] = entry;
  }
  return JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages });
}

describe('the packed CLI', () => {
  let dir: string;
  let consumer: string;
  let bin: string;
  let tarballFiles: string;

  beforeAll(async () => {
    if (!existsSync('dist/cli.js')) npm(['run', 'build'], ROOT);
    dir = await mkdtemp(join(tmpdir(), 'rtw-pack-'));
    // dist/ is already built (npm test builds before it runs the tests).
    const name = npm(['pack', '--ignore-scripts', '--pack-destination', dir], ROOT)
      .trim()
      .split('\n')
      .at(-1)!;
    const tarball = join(dir, name);
    tarballFiles = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout;
    consumer = join(dir, 'consumer');
    await (await import('node:fs/promises')).mkdir(consumer);
    const spec = `file:../${name}`;
    await writeFile(
      join(consumer, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        version: '1.0.0',
        private: true,
        dependencies: { [PACKAGE.name]: spec },
      }),
    );
    await writeFile(join(consumer, 'package-lock.json'), consumerLock(tarball, spec));
    npm(['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], consumer);
    bin = join(consumer, 'node_modules', '.bin', PACKAGE.name);
  }, 300_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ships the built CLI, the launcher and the examples, not the sources or tests', () => {
    const files = tarballFiles.split('\n');
    for (const wanted of [
      'package/dist/cli.js',
      'package/bin/rollouts-traffic-webhook.js',
      'package/README.md',
    ]) {
      expect(files).toContain(wanted);
    }
    expect(files.some((f) => f.startsWith('package/examples/quickstart/'))).toBe(true);
    expect(files.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);
  });

  it('installs a runnable bin that reports its version', async () => {
    expect(await readdir(join(consumer, 'node_modules', '.bin'))).toContain(PACKAGE.name);
    expect(runCli(['--version'], undefined, consumer, bin)).toEqual({
      code: 0,
      stdout: `${PACKAGE.version}\n`,
      stderr: '',
    });
  });

  it('runs check in another folder, on a path and on stdin', () => {
    const typo = join(ROOT, 'test/fixtures/check/typo/app.yaml');
    const onPath = runCli(['check', typo], undefined, consumer, bin);
    expect(onPath.code).toBe(1);
    expect(onPath.stdout).toContain('did you mean "shop-stable"?');
    const onStdin = runCli(
      ['check', '-'],
      readFileSync(join(ROOT, 'examples/quickstart/app.yaml'), 'utf8'),
      consumer,
      bin,
    );
    expect(onStdin.stdout).toMatch(/Checked 1 file: 1 Rollout, 1 Ingress, \d+ Services/);
    expect(onStdin.code).toBe(0);
  });
});
