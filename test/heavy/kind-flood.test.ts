/**
 * 10,000 reviews naming distinct kinds through the real server add no metric series (the
 * issue's scale; `npm test` sends 300 in test/webhook/bounded-input.test.ts).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startHarness, type Harness } from '../webhook/harness.js';
import { expectNoSeriesPerKind } from '../webhook/kind-flood.js';

describe('closed label sets at scale', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('10,000 reviews with distinct kinds add no metric series beyond the fixed set', async () => {
    await expectNoSeriesPerKind(h, 10_000);
  });
});
