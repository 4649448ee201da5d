// The GitOps examples must stay consistent with the repository (paths they point at exist) and with
// the chart (the values they pass render), and the demo workload must be wired the way the
// Rollouts ALB integration needs.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELM_VERSION, describeWithHelm, parseManifests, render, type K8sObject } from './helm.js';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLES = join(ROOT, 'examples');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

const manifests = new Map(
  yamlFiles(EXAMPLES).map((file) => [relative(EXAMPLES, file), parseManifests(readFileSync(file, 'utf8'))]),
);
const all = [...manifests.values()].flat();
const find = (kind: string, name: string): K8sObject => {
  const found = all.filter((o) => o.kind === kind && o.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name} in examples/, found ${found.length}`);
  return found[0]!;
};
/** A path in a GitOps source, relative to the repository root. */
const inRepo = (path: string): string => join(ROOT, path.replace(/^\.\//, ''));

describe('examples', () => {
  it('are well-formed Kubernetes objects', () => {
    expect(all.length).toBeGreaterThan(10);
    for (const o of all) {
      expect(o.apiVersion, JSON.stringify(o)).toBeTruthy();
      expect(o.kind).toBeTruthy();
      if (o.kind !== 'Kustomization' || o.apiVersion.startsWith('kustomize.toolkit'))
        expect(o.metadata?.name).toBeTruthy();
    }
  });

  it('list every file of each kustomize directory', () => {
    for (const [file, objects] of manifests) {
      const kustomization = objects.find((o) => o.apiVersion === 'kustomize.config.k8s.io/v1beta1');
      if (!kustomization) continue;
      const dir = join(EXAMPLES, file, '..');
      const siblings = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
      expect([...kustomization.resources].sort(), file).toEqual(siblings.sort());
    }
  });

  it('wire the demo Rollout to an ALB Ingress through the use-annotation port', () => {
    const rollout = find('Rollout', 'checkout');
    const canary = rollout.spec.strategy.canary;
    const ingress = find('Ingress', canary.trafficRouting.alb.ingress);
    find('Service', canary.stableService);
    find('Service', canary.canaryService);
    expect(ingress.spec.ingressClassName).toBe('alb');
    const backends = ingress.spec.rules.flatMap(
      (rule: { http: { paths: { backend: { service: object } }[] } }) =>
        rule.http.paths.map((p) => p.backend.service),
    );
    expect(backends).toContainEqual({ name: canary.stableService, port: { name: 'use-annotation' } });
    // The controller owns the action annotation; git must not carry it.
    expect(Object.keys(ingress.metadata.annotations ?? {}).filter((k) => k.includes('/actions.'))).toEqual(
      [],
    );
  });

  it('need no ignoreDifferences or SSA opt-outs for the Ingress', () => {
    for (const o of all.filter((o) => o.kind === 'Application')) {
      expect(o.spec.ignoreDifferences, o.metadata.name).toBeUndefined();
      expect(o.spec.syncPolicy?.syncOptions ?? []).not.toContain('RespectIgnoreDifferences=true');
    }
    for (const o of all) {
      const annotations = Object.keys(o.metadata?.annotations ?? {});
      expect(
        annotations.filter((a) => a.startsWith('kustomize.toolkit.fluxcd.io/ssa')),
        o.metadata?.name,
      ).toEqual([]);
    }
    expect(JSON.stringify(all)).not.toMatch(/managedFieldsManagers/);
  });

  it('point GitOps sources at paths that exist in this repository', () => {
    expect(
      existsSync(
        join(inRepo(find('Application', 'rollouts-traffic-webhook').spec.source.path), 'Chart.yaml'),
      ),
    ).toBe(true);
    expect(existsSync(join(inRepo(find('Application', 'shop').spec.source.path), 'kustomization.yaml'))).toBe(
      true,
    );
    expect(
      existsSync(
        join(inRepo(find('HelmRelease', 'rollouts-traffic-webhook').spec.chart.spec.chart), 'Chart.yaml'),
      ),
    ).toBe(true);
    for (const name of ['rollouts-traffic-webhook', 'shop']) {
      const kustomization = all.find(
        (o) =>
          o.kind === 'Kustomization' &&
          o.apiVersion.startsWith('kustomize.toolkit') &&
          o.metadata?.name === name,
      );
      expect(existsSync(inRepo(kustomization!.spec.path)), name).toBe(true);
    }
    const shop = all.find((o) => o.kind === 'Kustomization' && o.metadata?.name === 'shop');
    expect(shop!.spec.dependsOn).toEqual([{ name: 'rollouts-traffic-webhook' }]);
  });

  describeWithHelm(`values render with helm ${HELM_VERSION}`, () => {
    it('Argo CD uses a certificate mode that survives `helm template`', async () => {
      const values = find('Application', 'rollouts-traffic-webhook').spec.source.helm.valuesObject;
      expect(values.certificates.mode).not.toBe('generate');
      const r = await render(values);
      expect(r.deployment().spec.template.spec.containers[0].image).toBe(
        `${values.image.repository}:${values.image.tag}`,
      );
      // Monitoring follows the cluster's CRDs: none without them, both with them.
      expect(r.all('ServiceMonitor')).toHaveLength(0);
      expect(r.all('PrometheusRule')).toHaveLength(0);
      const withCrds = await render(values, {
        flags: [
          '--api-versions',
          'monitoring.coreos.com/v1/ServiceMonitor',
          '--api-versions',
          'monitoring.coreos.com/v1/PrometheusRule',
        ],
      });
      expect(withCrds.all('ServiceMonitor')).toHaveLength(1);
      expect(withCrds.all('PrometheusRule')).toHaveLength(1);
    });

    it('leave monitoring off or on auto, so a cluster without the Prometheus Operator syncs', () => {
      for (const values of [
        find('Application', 'rollouts-traffic-webhook').spec.source.helm.valuesObject,
        find('HelmRelease', 'rollouts-traffic-webhook').spec.values,
      ]) {
        for (const object of [values.metrics?.serviceMonitor, values.metrics?.prometheusRule]) {
          expect([undefined, false, 'auto']).toContain(object?.enabled);
        }
      }
    });

    it('Flux HelmRelease values render', async () => {
      const release = find('HelmRelease', 'rollouts-traffic-webhook');
      const r = await render(release.spec.values, { namespace: release.metadata.namespace });
      expect(r.deployment().metadata.namespace).toBe(release.metadata.namespace);
    });
  });
});
