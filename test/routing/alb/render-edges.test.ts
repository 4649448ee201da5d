/**
 * Edges of the ALB renderer that the byte tables do not reach: the exact findings when the
 * controller would fail (their field and the sentence a user reads), a Rollout that has no
 * ALB block at all, the legacy bookkeeping seed, and the per-state bookkeeping memo (its key
 * must tell every input apart, and its size is bounded).
 * Expected values are written out by hand from argoproj/argo-rollouts v1.10.2:
 * rollout/trafficrouting/alb/alb.go (getForwardActionString, modifyManagedAnnotation) and
 * utils/ingress/ingress.go (ALBAction, ManagedALBAnnotations, NewManagedALBActions).
 */
import { describe, expect, it } from 'vitest';
import {
  applyAlbState,
  desiredAlbIngress,
  renderAlbState,
  renderHeaderRouteAction,
  renderWeightAction,
} from '../../../src/routing/alb/render.js';
import type { JsonObject, Rollout } from '../../../src/routing/model.js';
import { trafficStateOf } from '../../../src/routing/traffic-state.js';
import { parseRollout } from '../../../src/routing/wire/index.js';
import { IngressObject } from '../../../src/routing/wire/index.js';
import { albIngress, midRollout, rollout, v1Path } from '../builders.js';

const MANAGED = 'rollouts.argoproj.io/managed-alb-annotations';
const LEGACY = 'rollouts.argoproj.io/managed-alb-actions';
const ACTION = 'alb.ingress.kubernetes.io/actions.stable-svc';
const W10 =
  '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"canary-svc","ServicePort":"443","Weight":10},{"ServiceName":"stable-svc","ServicePort":"443","Weight":90}]}}';

const blueGreen: Rollout = parseRollout({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'rollout', namespace: 'default' },
  spec: { strategy: { blueGreen: { activeService: 'stable-svc' } } },
  status: {},
}).value!;

/** A canary Rollout routed by NGINX: it has a canary strategy but no ALB block. */
const nginxOnly = rollout({ canary: { trafficRouting: { nginx: { stableIngress: 'ingress' } } } });

const at10 = rollout({ status: midRollout(10) });
const state10 = trafficStateOf(at10, 'alb')!;

const annotationsOf = (ingress: JsonObject) =>
  (ingress.metadata as { annotations: Record<string, string> }).annotations;

describe('a Rollout without ALB routing renders nothing', () => {
  const NO_ALB = { ok: false, error: 'the Rollout has no spec.strategy.canary.trafficRouting.alb' };

  it('the weight and header-route actions name the missing block, for a blue-green and an NGINX Rollout', () => {
    expect(blueGreen.canary).toBeUndefined();
    for (const r of [blueGreen, nginxOnly]) {
      expect(renderWeightAction(r, state10)).toEqual(NO_ALB);
      expect(renderHeaderRouteAction(r, state10)).toEqual(NO_ALB);
    }
  });

  it('a canary Rollout without trafficRouting at all renders the same error', () => {
    const bare = parseRollout({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'rollout', namespace: 'default' },
      spec: { strategy: { canary: { stableService: 'stable-svc', canaryService: 'canary-svc' } } },
      status: {},
    }).value!;
    expect(bare.canary?.trafficRouting).toBeUndefined();
    expect(renderWeightAction(bare, state10)).toEqual(NO_ALB);
    expect(renderHeaderRouteAction(bare, state10)).toEqual(NO_ALB);
  });

  it('decides no annotation key, and desiredAlbIngress says which field is missing', () => {
    expect(renderAlbState(nginxOnly, state10).ownedKeys).toEqual([]);
    expect(renderAlbState(blueGreen, state10).ownedKeys).toEqual([]);
    const input = albIngress();
    const result = desiredAlbIngress(input, nginxOnly, state10);
    expect(result).toEqual({
      ingress: input,
      ownedKeys: [],
      errors: [
        {
          severity: 'error',
          rule: 'alb-not-configured',
          field: 'spec.strategy.canary.trafficRouting.alb',
          message: 'Rollout rollout has no ALB traffic routing',
          ingress: 'ingress',
        },
      ],
    });
  });
});

describe('findings when the controller would fail', () => {
  it('annotations that are not a map of strings', () => {
    const bad = albIngress();
    (bad.metadata as Record<string, unknown>).annotations = { 'kubernetes.io/ingress.class': 7 };
    expect(desiredAlbIngress(bad, at10, state10).errors).toEqual([
      {
        severity: 'error',
        rule: 'ingress-malformed',
        field: 'metadata.annotations',
        message: 'Ingress ingress: metadata.annotations must be a map of strings',
        ingress: 'ingress',
      },
    ]);
  });

  it('the action Service missing from the rules: the controller sentence, then the fix (stableService or rootService)', () => {
    const input = albIngress([v1Path('other-svc')]);
    expect(desiredAlbIngress(input, at10, state10).errors).toEqual([
      {
        severity: 'error',
        rule: 'alb-action-service-not-in-rules',
        field: 'spec.rules',
        message:
          'ingress does not have service `stable-svc` in rules. Add a rule path whose backend is Service ' +
          'stable-svc (port name use-annotation), or point spec.strategy.canary.stableService at a Service ' +
          'this Ingress routes to.',
        ingress: 'ingress',
      },
    ]);
  });

  it('bookkeeping that is not JSON: Go encoding/json`s error, and how to recover', () => {
    const input = albIngress([v1Path('stable-svc')], { [MANAGED]: '{' });
    const result = desiredAlbIngress(input, at10, state10);
    expect(result.errors).toEqual([
      {
        severity: 'error',
        rule: 'alb-managed-annotations-malformed',
        field: `metadata.annotations["${MANAGED}"]`,
        message:
          `metadata.annotations["${MANAGED}"] of Ingress ingress cannot be read (unexpected end of JSON input); ` +
          'the Argo Rollouts controller fails on it too. Fix or delete the annotation so that the controller ' +
          'can rebuild it.',
        ingress: 'ingress',
      },
    ]);
    expect(result.ingress).toEqual(input);
  });

  it('a legacy managed-alb-actions value without `:`: NewManagedALBActions` error, and that it is obsolete', () => {
    const input = albIngress([v1Path('stable-svc')], { [LEGACY]: 'rollout' });
    expect(desiredAlbIngress(input, at10, state10).errors).toEqual([
      {
        severity: 'error',
        rule: 'alb-legacy-managed-actions-malformed',
        field: `metadata.annotations["${LEGACY}"]`,
        message:
          `metadata.annotations["${LEGACY}"] of Ingress ingress is not in the form <rollout>:<key>,... ` +
          '(incorrectly formatted managed actions annotation). It is obsolete since Argo Rollouts v1.4: delete it.',
        ingress: 'ingress',
      },
    ]);
  });
});

describe('the bookkeeping memo of one rendered state', () => {
  const rendered = () => renderAlbState(at10, state10);
  const apply = (r: ReturnType<typeof rendered>, annotations: Record<string, string>) => {
    const editable = IngressObject.editableCopy(albIngress([v1Path('stable-svc')], annotations));
    const outcome = applyAlbState(editable, at10, state10, r);
    return outcome.errors.length > 0
      ? outcome.errors.map((e) => e.rule)
      : annotationsOf(editable.json)[MANAGED];
  };

  it('tells apart no bookkeeping, the JSON form and the legacy form, whatever order they come in', () => {
    const r = rendered();
    const foreign = '{"other":["alb.ingress.kubernetes.io/actions.o"]}';
    // In these orders a memo keyed too coarsely would hand the first result to the second input.
    expect(apply(r, {})).toBe(`{"rollout":["${ACTION}"]}`);
    expect(apply(r, { [LEGACY]: 'other:alb.ingress.kubernetes.io/actions.o' })).toBe(
      `{"rollout":["${ACTION}"]}`,
    );
    expect(apply(r, { [LEGACY]: 'rollout' })).toEqual(['alb-legacy-managed-actions-malformed']);
    expect(apply(r, { [MANAGED]: foreign })).toBe(
      `{"other":["alb.ingress.kubernetes.io/actions.o"],"rollout":["${ACTION}"]}`,
    );
    expect(apply(r, { [MANAGED]: '{' })).toEqual(['alb-managed-annotations-malformed']);
    expect(apply(r, {})).toBe(`{"rollout":["${ACTION}"]}`);
  });

  it('the legacy form seeds this Rollout`s entry with its own legacy key, then adds the weight key', () => {
    // The seed is this repository's reading of the pre-v1.4 form (docs/routing.md, "legacy"):
    // the Rollout's legacy entry comes first, the key the state writes is appended.
    const r = rendered();
    expect(
      apply(r, {
        [LEGACY]:
          'rollout:alb.ingress.kubernetes.io/actions.old-svc,other:alb.ingress.kubernetes.io/actions.o',
      }),
    ).toBe(`{"rollout":["alb.ingress.kubernetes.io/actions.old-svc","${ACTION}"]}`);
  });

  it('a legacy value spelled "undefined" is not confused with no value', () => {
    const r = rendered();
    expect(apply(r, {})).toBe(`{"rollout":["${ACTION}"]}`);
    expect(apply(r, { [LEGACY]: 'undefined' })).toEqual(['alb-legacy-managed-actions-malformed']);
  });

  it('remembers each distinct input, at most 16, then starts over', () => {
    const r = rendered();
    const inputs = Array.from({ length: 20 }, (_, i) => `{"other-${i}":[]}`);
    const sizes: number[] = [];
    for (const value of inputs) {
      expect(apply(r, { [MANAGED]: value })).toBe(
        `{"other-${inputs.indexOf(value)}":[],"rollout":["${ACTION}"]}`,
      );
      sizes.push(r.bookkeeping.size);
    }
    expect(sizes).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 1, 2, 3, 4]);
    // A repeated input is answered from the memo and does not grow it.
    apply(r, { [MANAGED]: inputs[19]! });
    expect(r.bookkeeping.size).toBe(4);
  });
});

describe('the weight annotation itself', () => {
  it('a rendered state applied to an Ingress writes the controller`s bytes', () => {
    const result = desiredAlbIngress(albIngress([v1Path('stable-svc')]), at10, state10);
    expect(result.errors).toEqual([]);
    expect(annotationsOf(result.ingress)[ACTION]).toBe(W10);
  });
});
