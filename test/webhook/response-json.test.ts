/**
 * The route writes AdmissionReview answers with `reviewResponseJson` instead of letting
 * fastify call JSON.stringify: the text must be byte for byte the same for every answer
 * `encodeResponse` can build.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeResponse,
  reviewResponseJson,
  type AdmissionResult,
  type HookKind,
} from '../../src/webhook/admission/response.js';

const text = fc.string({ unit: 'binary', maxLength: 40 });

const result: fc.Arbitrary<AdmissionResult> = fc.record(
  {
    allowed: fc.boolean(),
    code: fc.constantFrom(403, 422, 400),
    message: text,
    reason: text,
    patch: fc.array(
      fc.record({ op: fc.constant('add' as const), path: text, value: fc.jsonValue({ maxDepth: 3 }) }),
      { maxLength: 4 },
    ),
    warnings: fc.array(text, { maxLength: 4 }),
    auditAnnotations: fc.dictionary(fc.string({ maxLength: 12 }), text, { maxKeys: 3 }),
  },
  { requiredKeys: ['allowed', 'reason', 'patch', 'warnings'] },
);

describe('reviewResponseJson', () => {
  it('writes what JSON.stringify writes, for any answer of either hook', () => {
    fc.assert(
      fc.property(text, result, fc.constantFrom<HookKind>('mutate', 'validate'), (uid, r, hook) => {
        const review = encodeResponse(uid, r, hook);
        expect(reviewResponseJson(review)).toBe(JSON.stringify(review));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes a patched answer with warnings and audit annotations byte for byte', () => {
    const review = encodeResponse(
      'uid-"1"',
      {
        allowed: true,
        reason: 'restored',
        patch: [{ op: 'add', path: '/metadata/annotations/a~1b', value: '{"Type":"forward"}' }],
        warnings: ['restored Rollout web\u2019s live traffic…'],
        auditAnnotations: { decision: 'patched', 'restored-keys': 'a/b' },
      },
      'mutate',
    );
    expect(reviewResponseJson(review)).toBe(
      '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"uid-\\"1\\"","allowed":true,' +
        '"patchType":"JSONPatch","patch":"W3sib3AiOiJhZGQiLCJwYXRoIjoiL21ldGFkYXRhL2Fubm90YXRpb25zL2F+MWIiLCJ2YWx1ZSI6IntcIlR5cGVcIjpcImZvcndhcmRcIn0ifV0=",' +
        '"warnings":["restored Rollout web\u2019s live traffic…"],"auditAnnotations":{"decision":"patched","restored-keys":"a/b"}}}',
    );
  });
});
