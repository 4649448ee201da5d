import { capture, run } from './processes.js';

/**
 * The GitOps harness (`test/e2e/gitops-harness`, built by build-components.sh) runs Argo CD's
 * and Flux's own engines against the e2e apiserver. These types mirror its JSON output.
 */
export interface ArgoCdSyncReport {
  readonly phase: string;
  readonly message: string;
  readonly resources: readonly { kind: string; name: string; status: string; message: string }[];
}

export type ArgoCdDiffModeName = 'legacy' | 'server-side' | 'server-side-include-mutation-webhook';

export interface ArgoCdDiffReport {
  readonly modes: readonly {
    mode: ArgoCdDiffModeName;
    syncStatus: 'Synced' | 'OutOfSync';
    resources: readonly { kind: string; name: string; modified: boolean; differences: string[] }[];
  }[];
}

export interface FluxReport {
  readonly entries: readonly { subject: string; action: string; differences?: string[] }[];
}

/** The identities the tools' controllers write with; scenarios impersonate them. */
export const FLUX_IDENTITY = 'system:serviceaccount:flux-system:kustomize-controller';

interface HarnessVersions {
  go: string;
  modules: Record<string, string>;
  mirroredReleases: Record<string, string>;
}

/** One line for the version banner: the Go toolchain and every module that decides an outcome. */
export async function gitopsHarnessVersionLine(binary: string): Promise<string> {
  const versions = JSON.parse(await run(binary, ['versions'])) as HarnessVersions;
  const modules = Object.entries(versions.modules).map(([path, version]) => `${path} ${version}`);
  const mirrored = Object.entries(versions.mirroredReleases).map(([name, version]) => `${name} ${version}`);
  return `${versions.go}; ${modules.join(', ')}; options as in ${mirrored.join(', ')}`;
}

/** Runs the tools' engines as `as` through `kubeconfig`; the manifests are multi-document YAML. */
export class GitopsHarness {
  constructor(
    private readonly binary: string,
    private readonly kubeconfig: string,
  ) {}

  argoCdSync(manifests: string, app: string, options: { serverSideApply: boolean; as: string }) {
    const flags = options.serverSideApply ? ['--server-side-apply'] : [];
    return this.run<ArgoCdSyncReport>('argocd-sync', manifests, app, options.as, flags);
  }

  argoCdDiff(manifests: string, app: string, as: string) {
    return this.run<ArgoCdDiffReport>('argocd-diff', manifests, app, as);
  }

  fluxApply(manifests: string, kustomization: string, as: string) {
    return this.run<FluxReport>('flux-apply', manifests, kustomization, as);
  }

  fluxDiff(manifests: string, kustomization: string, as: string) {
    return this.run<FluxReport>('flux-diff', manifests, kustomization, as);
  }

  private async run<T>(
    command: string,
    manifests: string,
    name: string,
    as: string,
    flags: readonly string[] = [],
  ): Promise<T> {
    const args = [command, `--kubeconfig=${this.kubeconfig}`, `--as=${as}`, `--name=${name}`, ...flags];
    const result = await capture(this.binary, args, { stdin: manifests });
    if (result.code !== 0) {
      throw new Error(
        `gitops-harness ${command} exited ${result.code}: ${result.stderr.trim().slice(-4000)}`,
      );
    }
    return JSON.parse(result.stdout) as T;
  }
}
