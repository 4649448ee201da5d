import { capture, type CapturedRun } from './processes.js';

/** kubectl used by the scenarios; E2E_KUBECTL overrides the system one. */
export const KUBECTL = process.env.E2E_KUBECTL ?? '/usr/bin/kubectl';

export type KubectlResult = CapturedRun;

export interface KubectlOptions {
  /** Impersonated user (`--as`), e.g. an Argo CD service account. */
  readonly as?: string;
  readonly asGroups?: readonly string[];
  /** Written to kubectl's stdin (for `-f -`). */
  readonly stdin?: string;
}

/**
 * Runs kubectl against the e2e apiserver the way a user would. Never throws on a non-zero
 * exit: refusals are results the scenarios assert on. See kubectlOk for the strict form.
 */
export async function kubectl(
  kubeconfig: string,
  args: readonly string[],
  options: KubectlOptions = {},
): Promise<KubectlResult> {
  const identity = [
    ...(options.as ? [`--as=${options.as}`] : []),
    ...(options.asGroups ?? []).map((group) => `--as-group=${group}`),
  ];
  return capture(KUBECTL, [`--kubeconfig=${kubeconfig}`, ...identity, ...args], {
    env: { ...process.env, NO_PROXY: '127.0.0.1,localhost' },
    stdin: options.stdin,
  });
}

/** kubectl that must succeed; the error carries kubectl's own message. */
export async function kubectlOk(
  kubeconfig: string,
  args: readonly string[],
  options: KubectlOptions = {},
): Promise<string> {
  const result = await kubectl(kubeconfig, args, options);
  if (result.code !== 0) {
    const who = options.as ? ` --as=${options.as}` : '';
    throw new Error(`kubectl ${args.join(' ')}${who} exited ${result.code}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}
