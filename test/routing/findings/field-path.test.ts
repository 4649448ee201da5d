/**
 * Field paths as Kubernetes prints them (kubernetes/apimachinery, pkg/util/validation/field/path.go):
 * names joined by dots, indexes and map keys in brackets, keys JSON-quoted.
 */
import { describe, expect, it } from 'vitest';
import { CANARY_FIELD, FieldPath, TRAFFIC_ROUTING_FIELD } from '../../../src/routing/findings/index.js';
import { CanaryField } from '../../../src/routing/rollout-validation/argo-finding.js';

describe('FieldPath', () => {
  it('joins names with dots and writes indexes and keys in brackets', () => {
    expect(String(FieldPath.of('spec'))).toBe('spec');
    expect(String(FieldPath.of('spec', 'rules').index(2).child('http', 'paths').index(0))).toBe(
      'spec.rules[2].http.paths[0]',
    );
    expect(String(FieldPath.of('metadata', 'annotations').key('alb.ingress.kubernetes.io/actions.web'))).toBe(
      'metadata.annotations["alb.ingress.kubernetes.io/actions.web"]',
    );
  });

  it('quotes map keys as JSON, so quotes and backslashes in a key cannot end it early', () => {
    expect(String(FieldPath.of('m').key('a"b\\c'))).toBe('m["a\\"b\\\\c"]');
  });

  it('names a child of a key or an index with a dot, like any other child', () => {
    expect(String(FieldPath.of('p').key('k').child('x').index(1).child('y'))).toBe('p["k"].x[1].y');
  });

  it('is the empty string for the whole object, and its children start without a dot', () => {
    expect(String(FieldPath.WHOLE_OBJECT)).toBe('');
    expect(String(FieldPath.WHOLE_OBJECT.child('spec', 'rules'))).toBe('spec.rules');
  });

  it('child() with no names is the same path', () => {
    const rules = FieldPath.of('spec', 'rules');
    expect(String(rules.child())).toBe('spec.rules');
  });

  it('leaves the parent unchanged when a child is built, and gives the same text when asked twice', () => {
    const spec = FieldPath.of('spec');
    const a = spec.child('a');
    const b = spec.index(3);
    expect([String(a), String(b), String(spec), `${a}`]).toEqual(['spec.a', 'spec[3]', 'spec', 'spec.a']);
  });

  it('names the Rollout fields the rules share', () => {
    expect(String(CANARY_FIELD)).toBe('spec.strategy.canary');
    expect(String(TRAFFIC_ROUTING_FIELD)).toBe('spec.strategy.canary.trafficRouting');
  });

  it("CanaryField: the real path under spec.strategy.canary, Argo's under spec.strategy", () => {
    const at = CanaryField.ROOT.child('steps').index(4).child('setWeight');
    expect(String(at.real)).toBe('spec.strategy.canary.steps[4].setWeight');
    expect(String(at.argo)).toBe('spec.strategy.steps[4].setWeight');
  });
});
