import { describe, expect, it } from 'vitest';
import { FileClusterState } from '../../src/cluster/file-state.js';
import { answerReview } from '../../src/webhook/admission/dispatch.js';
import { MAX_NESTING_DEPTH, nestsDeeperThan } from '../../src/webhook/admission/nesting.js';
import { ARGOCD_REAPPLY_REVIEW_TEXT } from '../support/admission-review.js';

const review = JSON.parse(ARGOCD_REAPPLY_REVIEW_TEXT) as {
  request: { uid: string; object: { spec: Record<string, unknown> } };
};

/** `levels` nested objects, built from text the way a request body arrives. */
function nested(levels: number): unknown {
  return JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);
}

describe('nesting limit', () => {
  it('measures depth without recursing, for objects and arrays', () => {
    expect(nestsDeeperThan(1, 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({ a: [{}] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{}] }, 2)).toBe(true);
    expect(nestsDeeperThan(JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`), 1000)).toBe(true);
  });

  const cluster = new FileClusterState(['examples/quickstart']);
  const context = () => ({
    cluster,
    policy: { controllerIdentities: new Set<string>(), enforcement: 'deny' as const },
    deadline: Date.now() + 10_000,
  });

  it.each(['mutate', 'validate'] as const)(
    '%s: a body nested 100,000 levels deep is a 400 that says so, not a stack overflow',
    async (hook) => {
      await cluster.start();
      const body = structuredClone(review);
      body.request.object.spec['x'] = nested(100_000);
      const outcome = answerReview(hook, body, context());
      expect(outcome.status).toBe(400);
      expect(outcome.body).toEqual({
        error: `the body nests arrays and objects more than ${MAX_NESTING_DEPTH} levels deep`,
        uid: review.request.uid,
      });
    },
  );

  it.each(['mutate', 'validate'] as const)(
    '%s: a body just inside the limit is reviewed normally',
    async (hook) => {
      await cluster.start();
      const body = structuredClone(review);
      // The envelope, request, object and spec take four levels.
      body.request.object.spec['x'] = nested(MAX_NESTING_DEPTH - 4);
      expect(nestsDeeperThan(body, MAX_NESTING_DEPTH)).toBe(false);
      expect(answerReview(hook, body, context()).status).toBe(200);
    },
  );
});

describe('a body whose depth the server measured on its bytes', () => {
  const cluster = new FileClusterState(['examples/quickstart']);
  const context = () => ({
    cluster,
    policy: { controllerIdentities: new Set<string>(), enforcement: 'deny' as const },
    deadline: Date.now() + 10_000,
  });

  it('is not walked again: the origin says so, and only for that call', async () => {
    await cluster.start();
    const body = structuredClone(review);
    // Deeper than the limit, which the server's byte scan would have refused: here it
    // shows whether the decoded value was walked.
    body.request.object.spec['x'] = nested(MAX_NESTING_DEPTH + 1);
    expect(answerReview('validate', body, context(), { depthMeasuredOnBytes: true }).status).toBe(200);
    expect(answerReview('validate', body, context()).status).toBe(400);
    expect(answerReview('validate', body, context(), { depthMeasuredOnBytes: false }).status).toBe(400);
  });
});
