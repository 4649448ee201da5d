import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './processes.js';

export const BUILD_SCRIPT = fileURLToPath(new URL('../build-components.sh', import.meta.url));
const HELM_SCRIPT = fileURLToPath(new URL('../../../scripts/helm.sh', import.meta.url));

/**
 * The GitOps scenario (gitops-tools.test.ts) and its harness build are part of the default
 * suite; E2E_GITOPS=0 leaves both out (the harness's cold build takes about 15 minutes,
 * docs/e2e.md), for a quick local run of the other scenarios.
 */
export const GITOPS_SCENARIO = process.env.E2E_GITOPS !== '0';

/**
 * The Gateway API plugin build and its scenarios (gateway-api-*.test.ts) run only with
 * E2E_GATEWAY_API=1: the Go module proxy answers 403 for the plugin module here, so the plugin
 * comes from E2E_GATEWAY_API_PLUGIN, a binary the user built, which the build script checks and
 * `componentPaths` returns (docs/e2e.md).
 */
export const GATEWAY_API_SCENARIO = process.env.E2E_GATEWAY_API === '1';

/** The plugin's name in the controller's configuration and in a Rollout's trafficRouting.plugins. */
export const GATEWAY_API_PLUGIN = 'argoproj-labs/gatewayAPI';

export type ComponentName =
  'etcd' | 'kube-apiserver' | 'rollouts-controller' | 'gitops-harness' | 'gatewayapi-plugin';

/** Where the cached binaries live; the build script is the single source of their versions. */
export async function componentPaths(): Promise<Record<ComponentName, string>> {
  const out = await run('bash', [BUILD_SCRIPT, 'paths']);
  const paths: Partial<Record<ComponentName, string>> = {};
  for (const line of out.trim().split('\n')) {
    const [name, path] = line.split(' ') as [ComponentName, string];
    paths[name] = path;
  }
  for (const name of [
    'etcd',
    'kube-apiserver',
    'rollouts-controller',
    'gitops-harness',
    'gatewayapi-plugin',
  ] as const) {
    if (!paths[name]) throw new Error(`build script printed no path for ${name}: ${out}`);
  }
  return paths as Record<ComponentName, string>;
}

/**
 * Builds whatever is missing from the cache (a no-op when every binary is there and runs),
 * streaming the build's own log so a cold build shows its progress and its timings.
 */
export async function buildComponents(): Promise<void> {
  for (const [script, args] of [
    [BUILD_SCRIPT, ['all']],
    // helm renders the chart's webhook configurations that the suite registers.
    [HELM_SCRIPT, ['--ensure']],
  ] as const) {
    const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    const [code] = (await once(child, 'close')) as [number | null];
    if (code !== 0)
      throw new Error(`${script} ${args.join(' ')} exited ${code}; its output above says which step failed`);
  }
}

/** Directory of the Argo Rollouts module in the Go module cache (holds manifests/crds). */
export async function rolloutsModuleDir(): Promise<string> {
  return (await run('bash', [BUILD_SCRIPT, 'rollouts-dir'])).trim();
}

/**
 * The CRD files of the pinned Gateway API module's standard channel (GatewayClass, Gateway,
 * HTTPRoute, GRPCRoute, ReferenceGrant, BackendTLSPolicy; one CRD a file), from the Go module cache.
 */
export async function gatewayApiCrdFiles(): Promise<string[]> {
  const dir = (await run('bash', [BUILD_SCRIPT, 'gateway-api-crds'])).trim();
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => join(dir, file));
}

/**
 * The module line of a Go binary's build info (`go version -m`), for a binary without a
 * version flag such as the Gateway API plugin: `<module path> <version>`.
 */
export async function goModuleLine(binary: string): Promise<string> {
  const out = await run('go', ['version', '-m', binary]);
  const mod = out.split('\n').find((line) => /^\s+mod\s/.test(line));
  if (!mod) throw new Error(`no module line in the build info of ${binary}: ${out}`);
  return mod.trim().split(/\s+/).slice(1, 3).join(' ');
}

/** The policy report CRD files (wgpolicyk8s.io, openreports.io), from the Go module cache. */
export async function reportCrdFiles(): Promise<string[]> {
  return (await run('bash', [BUILD_SCRIPT, 'report-crds'])).trim().split('\n');
}

/** First line of `<binary> <versionArgs>`, for the version banner printed before any test. */
export async function versionLine(binary: string, versionArgs: readonly string[]): Promise<string> {
  const out = await run(binary, versionArgs);
  return out.trim().split('\n').join(' | ');
}
