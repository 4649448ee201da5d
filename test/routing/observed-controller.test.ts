/**
 * The renderers against what the real Argo Rollouts controller wrote in the e2e run
 * (test/fixtures/observed-controller/<router>-canary.json, recorded by the e2e suite with
 * E2E_RECORD_FIXTURES=1). A fixture that has not been recorded yet makes its block show as
 * skipped, never as passed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { desiredAlbIngress } from '../../src/routing/alb/render.js';
import type { JsonObject, Rollout } from '../../src/routing/model.js';
import { desiredCanaryIngress } from '../../src/routing/nginx/render.js';
import { parseRollout } from '../../src/routing/wire/index.js';
import { trafficStateOf } from '../../src/routing/traffic-state.js';
import { parsedValue } from './builders.js';

interface Names {
  rollout: string;
  stableService: string;
  canaryService: string;
  ingress: string;
  servicePort: number;
}

interface ObservedIngress {
  name?: string;
  labels?: Record<string, string>;
  annotations: Record<string, string>;
  ownerReferences?: JsonObject[];
  spec: JsonObject;
}

interface Observation {
  controllerVersion: string;
  names: Names;
  steps: JsonObject[];
  atWeight0: ObservedIngress;
  atWeight20: ObservedIngress;
}

function load(router: 'alb' | 'nginx'): Observation | undefined {
  const path = fileURLToPath(
    new URL(`../fixtures/observed-controller/${router}-canary.json`, import.meta.url),
  );
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Observation) : undefined;
}

/** The e2e Rollout (first revision promoted, or paused after setWeight 20 on revision 2). */
function rolloutAt(obs: Observation, router: 'alb' | 'nginx', weight: 0 | 20): Rollout {
  const { names } = obs;
  const trafficRouting =
    router === 'alb'
      ? { alb: { ingress: names.ingress, servicePort: names.servicePort } }
      : { nginx: { stableIngress: names.ingress } };
  const status =
    weight === 0
      ? { stableRS: 'rev1', currentPodHash: 'rev1', currentStepIndex: obs.steps.length }
      : {
          stableRS: 'rev1',
          currentPodHash: 'rev2',
          currentStepIndex: 1,
          canary: {
            weights: {
              canary: { weight: 20, serviceName: names.canaryService, podTemplateHash: 'rev2' },
              stable: { weight: 80, serviceName: names.stableService, podTemplateHash: 'rev1' },
            },
          },
        };
  return parsedValue(
    parseRollout({
      metadata: {
        name: names.rollout,
        namespace: 'e2e',
        uid: 'uid',
        annotations: { 'rollout.argoproj.io/revision': weight === 0 ? '1' : '2' },
      },
      spec: {
        strategy: {
          canary: {
            stableService: names.stableService,
            canaryService: names.canaryService,
            trafficRouting,
            steps: obs.steps,
          },
        },
      },
      status,
    }),
  );
}

const albObservation = load('alb');
describe.skipIf(!albObservation)('observed controller bytes: ALB (argo alb_test.go)', () => {
  const obs = albObservation!;
  it.each([0, 20] as const)(
    'reproduces every Rollout-owned annotation of the stable Ingress at weight %i',
    (weight) => {
      const observed = weight === 0 ? obs.atWeight0 : obs.atWeight20;
      const asWritten: JsonObject = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: obs.names.ingress, annotations: { 'kubernetes.io/ingress.class': 'alb' } },
        spec: observed.spec,
      };
      const rollout = rolloutAt(obs, 'alb', weight);
      const result = desiredAlbIngress(asWritten, rollout, trafficStateOf(rollout, 'alb')!);
      expect(result.errors).toEqual([]);
      const desired = (result.ingress.metadata as { annotations: Record<string, string> }).annotations;
      for (const key of result.ownedKeys)
        expect([key, desired[key]]).toEqual([key, observed.annotations[key]]);
      expect(result.ingress.spec).toEqual(observed.spec);
    },
  );
});

const nginxObservation = load('nginx');
describe.skipIf(!nginxObservation)('observed controller bytes: NGINX (argo nginx.go)', () => {
  const obs = nginxObservation!;
  it.each([0, 20] as const)('reproduces the canary Ingress at weight %i', (weight) => {
    const observed = weight === 0 ? obs.atWeight0 : obs.atWeight20;
    const { names } = obs;
    const stable: JsonObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: names.ingress },
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: names.stableService, port: { number: names.servicePort } } },
                },
              ],
            },
          },
        ],
      },
    };
    const rollout = rolloutAt(obs, 'nginx', weight);
    const result = desiredCanaryIngress(stable, rollout, trafficStateOf(rollout, 'nginx')!);
    expect(result.errors).toEqual([]);
    const metadata = result.ingress!.metadata as JsonObject & { ownerReferences: JsonObject[] };
    expect(metadata.name).toBe(observed.name);
    expect(metadata.annotations).toEqual(observed.annotations);
    expect(observed.labels ?? {}).toEqual({});
    expect(metadata.ownerReferences.map(({ uid: _uid, ...owner }) => owner)).toEqual(
      observed.ownerReferences,
    );
    expect(result.ingress!.spec).toEqual(observed.spec);
  });
});
