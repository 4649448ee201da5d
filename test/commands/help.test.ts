/** Help, version and argument handling of every command, through the real binary. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-run.js';
import { ARGOCD_REAPPLY_REVIEW_TEXT } from '../support/admission-review.js';

const COMMANDS = ['serve', 'check', 'review', 'render'];
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

describe('help and version', () => {
  it.each(
    COMMANDS.flatMap((c) => [
      [c, '--help'],
      [c, '-h'],
    ]),
  )('%s %s prints its usage with examples', (command, flag) => {
    const { code, stdout, stderr } = runCli([command!, flag!]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: rollouts-traffic-webhook ${command} `));
    expect(stdout).toContain('\nExamples:\n');
  });

  it('help wins over other flags, even ones that would be wrong', () => {
    const { code, stdout } = runCli(['check', '--output', 'xml', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: rollouts-traffic-webhook check');
  });

  it.each([['--version'], ['-V']])('%s prints the package version', (flag) => {
    expect(runCli([flag])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('help COMMAND is the command help; usage errors point at --help', () => {
    expect(runCli(['help', 'review']).stdout).toContain('Usage: rollouts-traffic-webhook review');
    const bad = runCli(['render', '--bogus', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Run `rollouts-traffic-webhook render --help` for its options.');
  });
});

describe('paths are positional wherever a path is taken', () => {
  const review = ARGOCD_REAPPLY_REVIEW_TEXT;

  it('review takes the state as positional paths, the same as --state', () => {
    const positional = runCli(['review', '--hook', 'mutate', 'examples/quickstart'], review);
    const flagged = runCli(['review', '--hook', 'mutate', '--state', 'examples/quickstart'], review);
    expect(positional.code).toBe(0);
    expect(positional.stdout).toBe(flagged.stdout);
    expect(JSON.parse(positional.stdout)).toMatchObject({
      response: { allowed: true, patchType: 'JSONPatch' },
    });
  });

  it('serve names --state when given a path', () => {
    const { code, stderr } = runCli(['serve', 'deploy/']);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'serve takes no paths (got "deploy/"); to serve from manifests use --state deploy/',
    );
  });

  it('render reads - from stdin', () => {
    const { code, stdout } = runCli(['render', '-'], readFileSync('examples/quickstart/app.yaml', 'utf8'));
    expect(code).toBe(0);
    expect(stdout).toContain('alb.ingress.kubernetes.io/actions.shop-stable');
  });
});
