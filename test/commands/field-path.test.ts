import { describe, expect, it } from 'vitest';
import { fieldPath, valueAt } from '../../src/commands/field-path.js';

describe('fieldPath', () => {
  it.each([
    ['spec.strategy.canary.stableService', ['spec', 'strategy', 'canary', 'stableService']],
    ['spec.rules[0].http.paths[12].backend', ['spec', 'rules', 0, 'http', 'paths', 12, 'backend']],
    [
      'metadata.annotations["alb.ingress.kubernetes.io/actions.web"]',
      ['metadata', 'annotations', 'alb.ingress.kubernetes.io/actions.web'],
    ],
    ['metadata.annotations["a]b\\"c"]', ['metadata', 'annotations', 'a]b"c']],
    ['', []],
  ])('%s', (field, segments) => {
    expect(fieldPath(field)).toEqual(segments);
  });

  it('reads values, and undefined where a field is missing or not own', () => {
    const object = { spec: { rules: [{ host: 'a' }] } };
    expect(valueAt(object, ['spec', 'rules', 0, 'host'])).toBe('a');
    expect(valueAt(object, ['spec', 'missing', 'x'])).toBeUndefined();
    expect(valueAt(object, ['constructor'])).toBeUndefined();
  });
});
