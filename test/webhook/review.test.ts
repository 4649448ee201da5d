import { describe, expect, it } from 'vitest';
import { BadReview, decodeAdmissionReview, peekUid } from '../../src/webhook/admission/review.js';
import { allow, deny, encodeResponse, patched, shortWarning } from '../../src/webhook/admission/response.js';
import { budgetFromTimeout, parseGoDuration } from '../../src/webhook/budget.js';

const request = {
  uid: 'u-1',
  kind: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' },
  resource: { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' },
  namespace: 'shop',
  name: 'web',
  operation: 'UPDATE',
  userInfo: {
    username: 'system:serviceaccount:argocd:argocd-application-controller',
    groups: ['system:serviceaccounts'],
  },
  object: { metadata: { name: 'web' } },
  oldObject: { metadata: { name: 'web' } },
  dryRun: true,
};
const review = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request };

describe('decodeAdmissionReview', () => {
  it('reads the fields the hooks use', () => {
    const r = decodeAdmissionReview(review);
    expect(r).toMatchObject({
      uid: 'u-1',
      kind: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' },
      resource: 'ingresses',
      namespace: 'shop',
      name: 'web',
      operation: 'UPDATE',
      username: 'system:serviceaccount:argocd:argocd-application-controller',
      groups: ['system:serviceaccounts'],
      dryRun: true,
    });
  });

  it.each([
    [null, 'the body must be a JSON object (an AdmissionReview)'],
    [[], 'the body must be a JSON object (an AdmissionReview)'],
    [{ ...review, kind: 'Pod' }, 'kind must be "AdmissionReview", got "Pod"'],
    [
      { ...review, apiVersion: 'admission.k8s.io/v1beta1' },
      'apiVersion must be "admission.k8s.io/v1", got "admission.k8s.io/v1beta1"; register the webhook with admissionReviewVersions: [v1]',
    ],
    [{ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, 'AdmissionReview.request is required'],
    [{ ...review, request: 'x' }, 'AdmissionReview.request must be an object'],
    [{ ...review, request: { ...request, uid: '' } }, 'request.uid must be a non-empty string'],
    [{ ...review, request: { ...request, uid: 7 } }, 'request.uid must be a non-empty string'],
    [
      { ...review, request: { ...request, operation: 'PATCH' } },
      'request.operation "PATCH" is not one of CREATE, UPDATE, DELETE, CONNECT',
    ],
    [{ ...review, request: { ...request, kind: undefined } }, 'request.kind is required'],
    [
      { ...review, request: { ...request, kind: { version: 'v1' } } },
      'request.kind.kind must be a non-empty string',
    ],
    [{ ...review, request: { ...request, object: [1] } }, 'request.object must be an object'],
    [{ ...review, request: { ...request, dryRun: 'yes' } }, 'request.dryRun must be a boolean'],
    [{ ...review, request: { ...request, namespace: 5 } }, 'request.namespace must be a string'],
  ])('rejects %j with a precise reason', (body, message) => {
    expect(() => decodeAdmissionReview(body)).toThrow(new BadReview(message));
  });

  it('peeks the uid of an otherwise unusable review', () => {
    expect(peekUid({ request: { uid: 'abc', kind: 3 } })).toBe('abc');
    expect(peekUid({ request: 'x' })).toBeUndefined();
    expect(peekUid('x')).toBeUndefined();
  });
});

describe('encodeResponse', () => {
  it('echoes the uid, keeps apiVersion/kind and sends no patch fields when allowed without changes', () => {
    expect(encodeResponse('u', allow('ok'), 'mutate')).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'u', allowed: true },
    });
  });

  it('sends patch and patchType together, base64-encoded', () => {
    const ops = [{ op: 'add' as const, path: '/metadata/annotations', value: { a: 'b' } }];
    const { response } = encodeResponse('u', patched(ops, 'p'), 'mutate');
    expect(response.patchType).toBe('JSONPatch');
    expect(JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString())).toEqual(ops);
  });

  it('never sends a patch from the validating hook', () => {
    const ops = [{ op: 'add' as const, path: '/x', value: 1 }];
    const { response } = encodeResponse('u', patched(ops, 'p'), 'validate');
    expect(response.patch).toBeUndefined();
    expect(response.patchType).toBeUndefined();
  });

  it('denies with status code and message', () => {
    const { response } = encodeResponse('u', deny('fix it', 'rule'), 'validate');
    expect(response).toEqual({
      uid: 'u',
      allowed: false,
      status: { code: 422, message: 'fix it', reason: 'Invalid' },
    });
  });

  it('cuts warnings to 120 characters, on one line, without duplicates', () => {
    const long = `${'x'.repeat(200)}`;
    const { response } = encodeResponse('u', allow('ok', [long, 'a\n b', 'a b']), 'validate');
    expect(response.warnings).toEqual([`${'x'.repeat(119)}…`, 'a b']);
    expect(shortWarning('y'.repeat(120))).toHaveLength(120);
  });

  it.each([
    ['a\tb', 'a b'],
    ['a  b', 'a b'],
    [' a b', 'a b'],
    ['a b ', 'a b'],
    ['a\r\nb', 'a b'],
    ['a\u00a0b', 'a b'],
    ['already one line', 'already one line'],
  ])('tidies the whitespace of short warnings too: %j', (text, expected) => {
    expect(shortWarning(text)).toBe(expected);
  });
});

describe('budget', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['2h', 7_200_000],
  ])('parses Go duration %s', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(['', '10', 's', '10x', '-1s'])('rejects %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });

  it('uses the timeout, capped at 30 s, with the 10 s default for bad or missing values', () => {
    expect(budgetFromTimeout('3s', 1000)).toBe(4000);
    expect(budgetFromTimeout('5m', 0)).toBe(30_000);
    expect(budgetFromTimeout(undefined, 0)).toBe(10_000);
    expect(budgetFromTimeout(['3s'], 0)).toBe(10_000);
    expect(budgetFromTimeout('0s', 0)).toBe(10_000);
  });
});
