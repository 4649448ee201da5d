// Static checks of the Dockerfile and .dockerignore. No container engine runs on these machines
// and no base image can be pulled, so these assert the properties the issue asks for on the
// instructions themselves: stages, users, what is copied and from where.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHIPPED_RUNTIME } from '../../bench/cache.js';
import { execForm, inBuildContext, parseDockerfile, type Stage } from './dockerfile.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dockerfile = parseDockerfile(readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8'));
const dockerignore = readFileSync(resolve(ROOT, '.dockerignore'), 'utf8');
const runtime = dockerfile.stages.at(-1)!;

const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const stageNamed = (name: string): Stage => {
  const stage = dockerfile.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage named ${name}`);
  return stage;
};
/** `COPY --from=<stage> <src> <dest>` of the runtime stage, as [stage, src, dest]. */
const copiesFrom = of(runtime, 'COPY')
  .map((c) => /^--from=(\S+)\s+(\S+)\s+(\S+)$/.exec(c.args))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => ({ stage: m[1]!, src: m[2]!, dest: m[3]! }));

describe('Dockerfile', () => {
  it('builds in separate stages on Node 24 and ships a distroless runtime pinned by digest', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfile.stages.slice(0, -1))
      expect(stage.base).toMatch(/^node:24(\.\d+)*-(slim|bookworm-slim|trixie-slim)$/);
    // No shell and no package manager in what ships; the digest fixes what a rebuild gets.
    expect(runtime.base).toMatch(
      /^gcr\.io\/distroless\/nodejs24-debian1[23](:[\w.-]+)?@sha256:[0-9a-f]{64}$/,
    );
    // Without a shell no RUN can work in the runtime stage.
    expect(of(runtime, 'RUN')).toEqual([]);
    expect(runtime.name).toBe('runtime');
  });

  it('compiles with the dev dependencies in the build stage', () => {
    const runs = of(stageNamed('build'), 'RUN').map((r) => r.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    expect(runs.some((r) => r.includes('npm run build'))).toBe(true);
  });

  it('ships node_modules installed with production dependencies only', () => {
    const modules = copiesFrom.find((c) => c.src.endsWith('node_modules'));
    expect(modules).toBeDefined();
    const source = stageNamed(modules!.stage);
    const installs = of(source, 'RUN').filter((r) => /\bnpm ci\b/.test(r.args));
    expect(installs).toHaveLength(1);
    expect(installs[0]!.args).toContain('--omit=dev');
    // The compiled output comes from the build stage, not from a dev-dependency install here.
    expect(copiesFrom.find((c) => c.src.endsWith('dist'))?.stage).toBe('build');
    expect(of(runtime, 'RUN').some((r) => /\bnpm (ci|install)\b/.test(r.args))).toBe(false);
  });

  it('runs as a numeric non-root user, set after every RUN of the runtime stage', () => {
    const users = of(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const last = users.at(-1)!;
    const [uid, gid] = last.args.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    if (gid !== undefined) expect(Number(gid)).toBeGreaterThan(0);
    for (const run of of(runtime, 'RUN')) expect(run.line).toBeLessThan(last.line);
  });

  it('bakes in no certificate, key or secret', () => {
    for (const stage of dockerfile.stages) {
      for (const copy of [...of(stage, 'COPY'), ...of(stage, 'ADD')]) {
        expect(copy.args).not.toMatch(/certs|\.pem|\.key|\.crt|\.env/);
        expect(copy.args, 'no remote ADD').not.toMatch(/https?:\/\//);
        // Copying the whole context would take whatever happens to lie in it.
        expect(copy.args.split(/\s+/).slice(0, -1)).not.toContain('.');
      }
      for (const declared of [...of(stage, 'ENV'), ...of(stage, 'ARG')]) {
        expect(declared.args).not.toMatch(/SECRET|TOKEN|PASSWORD|PRIVATE|API_KEY/i);
      }
    }
  });

  it('lets npm see a proxy CA only through a build secret, never a layer', () => {
    const runs = dockerfile.stages.flatMap((stage) => of(stage, 'RUN'));
    const installs = runs.filter((r) => /\bnpm ci\b/.test(r.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const run of runs) {
      for (const mount of run.args.match(/--mount=\S+/g) ?? [])
        expect(mount).toMatch(/^--mount=type=(secret|cache),/);
    }
    for (const install of installs) {
      expect(install.args).toContain('--mount=type=secret,id=npm_ca,required=false');
      expect(install.args).toContain('NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca');
    }
  });

  it('keeps certificates and keys out of the build context', () => {
    for (const path of [
      'certs/tls.key',
      'certs/ca.crt',
      'certs/README.md',
      'server.pem',
      'src/dev.key',
      '.env',
      'node_modules/x/index.js',
      'dist/cli.js',
    ]) {
      expect(inBuildContext(dockerignore, path), path).toBe(false);
    }
  });

  it('has every file the Dockerfile copies from the context in the build context', () => {
    const contextFiles = [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'src/cli.ts',
      'src/routing/model.ts',
      'bin/rollouts-traffic-webhook.js',
    ];
    for (const path of contextFiles) expect(inBuildContext(dockerignore, path), path).toBe(true);
    const copiedFromContext = dockerfile.stages
      .flatMap((s) => of(s, 'COPY'))
      .filter((c) => !c.args.startsWith('--from='))
      .flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    for (const source of copiedFromContext) {
      const probe =
        source.endsWith('/') || !source.includes('.') ? `${source.replace(/\/$/, '')}/probe.ts` : source;
      expect(inBuildContext(dockerignore, probe), source).toBe(true);
    }
  });

  it('carries OCI labels', () => {
    const labels = of(runtime, 'LABEL')
      .map((l) => l.args)
      .join(' ');
    for (const key of ['title', 'description', 'licenses', 'version', 'revision']) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    }
  });

  it('starts `/nodejs/bin/node dist/cli.js serve` on 8443 in exec form', () => {
    expect(of(runtime, 'EXPOSE').map((e) => e.args)).toEqual(['8443']);
    expect(execForm(of(runtime, 'ENTRYPOINT').at(-1)!.args)).toEqual(['/nodejs/bin/node', 'dist/cli.js']);
    expect(execForm(of(runtime, 'CMD').at(-1)!.args)).toEqual(['serve']);
    expect(of(runtime, 'ENV').some((e) => e.args.includes('NODE_ENV=production'))).toBe(true);
    // ESM output needs package.json ("type": "module") next to dist/.
    expect(of(runtime, 'COPY').some((c) => /^package\.json\s/.test(c.args))).toBe(true);
  });

  it('sets the environment the benchmark measures as shipped (bench/cache.ts)', () => {
    const env = of(runtime, 'ENV').flatMap((e) => e.args.split(/\s+/));
    expect(Object.keys(SHIPPED_RUNTIME.env)).not.toHaveLength(0);
    for (const [name, value] of Object.entries(SHIPPED_RUNTIME.env))
      expect(env).toContain(`${name}=${value}`);
  });
});

describe('Dockerfile reader', () => {
  it('joins continuation lines, resolves global ARGs and reads stage names', () => {
    const parsed = parseDockerfile(
      'ARG BASE=node:24-slim\n# comment\nFROM ${BASE} AS one\nRUN a \\\n  b\nFROM one\n',
    );
    expect(parsed.stages.map((s) => [s.base, s.name])).toEqual([
      ['node:24-slim', 'one'],
      ['one', undefined],
    ]);
    expect(parsed.stages[0]!.instructions[0]).toMatchObject({ keyword: 'RUN', args: 'a b' });
  });

  it('refuses a FROM that uses an ARG without a default', () => {
    expect(() => parseDockerfile('ARG BASE\nFROM ${BASE}\n')).toThrow(/has no default/);
  });

  it('applies .dockerignore with the last matching pattern winning', () => {
    const ignore = '*\n!src/**\nsrc/**/*.key\n';
    expect(inBuildContext(ignore, 'src/a.ts')).toBe(true);
    expect(inBuildContext(ignore, 'src/x/b.key')).toBe(false);
    expect(inBuildContext(ignore, 'README.md')).toBe(false);
  });
});
