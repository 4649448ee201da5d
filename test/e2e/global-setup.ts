import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ControlPlane } from './control-plane.js';
import {
  configureTrafficRouterPlugins,
  rolloutsControllerPorts,
  ROLLOUTS_CONFIG_NAMESPACE,
  startRolloutsController,
  type RunningRolloutsController,
} from './rollouts-controller.js';
import { CLIENT_USERS } from './support/certs.js';
import { connect } from './support/cluster.js';
import {
  buildComponents,
  componentPaths,
  GATEWAY_API_PLUGIN,
  GATEWAY_API_SCENARIO,
  GITOPS_SCENARIO,
  gatewayApiCrdFiles,
  goModuleLine,
  reportCrdFiles,
  rolloutsModuleDir,
  versionLine,
} from './support/components.js';
import { openControlChannel } from './support/control-channel.js';
import { installCrdFiles, installRolloutsCrds } from './support/crds.js';
import { gitopsHarnessVersionLine } from './support/gitops-harness.js';
import type { E2eEnvironment } from './support/environment.js';
import { KUBECTL } from './support/kubectl.js';
import { ProcessGroup } from './support/processes.js';

const say = (line: string) => process.stderr.write(`[e2e] ${line}\n`);

/** Runs `step`, logs its wall time and remembers it for the summary line. */
async function timed<T>(timings: string[], name: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await step();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  timings.push(`${name} ${seconds}s`);
  say(`${name}: ${seconds}s`);
  return result;
}

/**
 * Builds (or finds cached) etcd, kube-apiserver, the Argo Rollouts controller (and, with
 * E2E_GATEWAY_API=1, its Gateway API plugin), prints their versions, then starts them once
 * for the whole e2e run: etcd, kube-apiserver, the Rollouts and Gateway API CRDs, the
 * controller (configured to load the plugin when it is built). The returned teardown stops every process by pid; the
 * ProcessGroup's exit hook does the same if the run dies first.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const timings: string[] = [];
  await timed(timings, 'build (cached binaries are reused)', buildComponents);
  const bin = await componentPaths();
  const versions: Record<string, string> = {
    etcd: await versionLine(bin.etcd, ['--version']),
    'kube-apiserver': await versionLine(bin['kube-apiserver'], ['--version']),
    'rollouts-controller': await versionLine(bin['rollouts-controller'], ['--version']),
    kubectl: await versionLine(KUBECTL, ['version', '--client']),
    node: process.version,
    ...(GITOPS_SCENARIO ? { 'gitops-harness': await gitopsHarnessVersionLine(bin['gitops-harness']) } : {}),
    ...(GATEWAY_API_SCENARIO ? { 'gatewayapi-plugin': await goModuleLine(bin['gatewayapi-plugin']) } : {}),
  };
  for (const [name, version] of Object.entries(versions)) say(`version ${name}: ${version}`);

  const workDir = mkdtempSync(join(tmpdir(), 'webhook-e2e-'));
  say(`work dir (logs, certs, kubeconfigs): ${workDir}`);
  const processes = new ProcessGroup();
  let failed = true;
  try {
    const plane = await timed(timings, 'etcd + kube-apiserver ready', () =>
      ControlPlane.start(workDir, { etcd: bin.etcd, kubeApiserver: bin['kube-apiserver'] }, processes),
    );
    const admin = connect(plane.endpoints.kubeconfigs.admin);
    const moduleDir = await rolloutsModuleDir();
    const { pki } = plane.endpoints;
    const adminTls = { ca: pki.caCert, cert: pki.clients.admin.cert, key: pki.clients.admin.key };
    await timed(timings, 'Rollouts CRDs established', () => installRolloutsCrds(admin, adminTls, moduleDir));
    // The background audit writes PolicyReports (and openreports.io Reports) once these exist.
    const reportCrds = await reportCrdFiles();
    await timed(timings, 'policy report CRDs established', () =>
      installCrdFiles(admin, adminTls, reportCrds),
    );
    const gatewayApiCrds = await gatewayApiCrdFiles();
    await timed(timings, 'Gateway API CRDs established', () =>
      installCrdFiles(admin, adminTls, gatewayApiCrds),
    );
    // Without the plugin binary the ConfigMap would name a missing file, and the controller
    // exits at start when it cannot copy a configured plugin (utils/plugin/downloader.go).
    if (GATEWAY_API_SCENARIO) {
      await configureTrafficRouterPlugins(admin, [
        { name: GATEWAY_API_PLUGIN, binary: bin['gatewayapi-plugin'] },
      ]);
    }
    const controllerOptions = {
      binary: bin['rollouts-controller'],
      kubeconfig: plane.endpoints.kubeconfigs.rolloutsController,
      logDir: plane.endpoints.logDir,
      ports: await rolloutsControllerPorts(),
      workDir,
      configNamespace: ROLLOUTS_CONFIG_NAMESPACE,
    };
    const startController = () => startRolloutsController(processes, controllerOptions);
    let controller: RunningRolloutsController = await timed(
      timings,
      'rollouts-controller healthy',
      startController,
    );
    const channel = await openControlChannel({
      'kube-apiserver': () => plane.restartApiserver(),
      'rollouts-controller': async () => {
        await processes.stop(controller.process);
        controller = await startController();
      },
    });
    const environment: E2eEnvironment = {
      controlPlane: plane.endpoints,
      controlUrl: channel.url,
      versions,
      gitopsHarness: bin['gitops-harness'],
      rolloutsController: {
        version: versions['rollouts-controller']!,
        healthzUrl: controller.healthzUrl,
        metricsUrl: controller.metricsUrl,
        user: CLIENT_USERS.rolloutsController,
      },
    };
    project.provide('e2e', environment);
    say(`ready: ${timings.join(', ')}`);
    failed = false;
    return async () => {
      await channel.close();
      await processes.stopAll();
      if (process.env.E2E_KEEP_WORKDIR) say(`kept ${workDir}`);
      else rmSync(workDir, { recursive: true, force: true });
      // Silent otherwise: the summary reporter's line stays the last line of the run.
    };
  } finally {
    if (failed) {
      await processes.stopAll();
      say(`setup failed; logs kept in ${workDir}/logs`);
    }
  }
}
