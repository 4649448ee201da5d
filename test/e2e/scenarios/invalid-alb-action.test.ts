import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { REFERENCE_EXAMPLE_NAMES as names, stableIngress } from '../support/manifests.js';
import { openScenario, type Scenario } from '../support/scenario.js';
import { albActionKey } from '../support/traffic.js';

const ACTION_KEY = albActionKey(names);

/** An Ingress no Rollout references, with an action annotation the ALB controller cannot parse. */
function unrelatedIngress(action: string): string {
  const ingress = stableIngress({ ...names, ingress: 'unrelated' }, 'alb');
  ingress.metadata!.annotations![ACTION_KEY] = action;
  return stringify(ingress);
}

describe('scenario 4: an invalid ALB action annotation on an unrelated Ingress is refused', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await openScenario('invalid-alb-action');
    await s.startWebhook({ enforcement: 'deny' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('refuses truncated JSON with a message that says how to fix it', async () => {
    const result = await s.kubectl(['apply', '-f', '-'], { stdin: unrelatedIngress('{"Type":"forward",') });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('denied the request');
    expect(result.stderr).toContain(`metadata.annotations["${ACTION_KEY}"]`);
    expect(result.stderr).toContain('Fix:');
    expect(s.ingressWrites().filter((w) => w.name === 'unrelated' && w.code === 201)).toEqual([]);
  });

  it('accepts the same Ingress with a valid action', async () => {
    const valid =
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"stable-svc","ServicePort":"443","Weight":100}]}}';
    const result = await s.kubectl(['apply', '-f', '-'], { stdin: unrelatedIngress(valid) });
    expect(result.code, result.stderr).toBe(0);
  });
});
