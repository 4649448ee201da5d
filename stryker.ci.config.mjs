// The mutation run CI makes (`npm run mutation:ci`, from .ci/run): the drift guard, the patch
// builder, and the routing files they render and validate with. Incremental against the
// committed reports/mutation/stryker-incremental.json, so a clean clone re-tests only the
// mutants whose code or covering tests changed since that result was recorded. The whole of
// src/routing (`npm run mutation`) takes hours on two cores and stays a developer run.
import base from './stryker.config.mjs';

// The tests that cover these files, as in the recorded run: a test the record has not seen
// makes Stryker re-test every surviving mutant it covers (vitest.mutation.config.ts reads this).
process.env.MUTATION_TESTS ??= [
  'test/routing/drift-guard.test.ts',
  'test/routing/drift-guard-decisions.test.ts',
  'test/routing/properties.test.ts',
  'test/routing/traffic-state.test.ts',
  'test/routing/alb/render.test.ts',
  'test/routing/alb/render-decisions.test.ts',
  'test/routing/alb/desired-ingress.test.ts',
  'test/routing/rollout-validation/references.test.ts',
  'test/webhook/patch.test.ts',
  'test/webhook/patch-arrays.test.ts',
].join(',');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  mutate: [
    'src/routing/drift-guard.ts',
    'src/routing/traffic-provider.ts',
    'src/routing/alb/guard-provider.ts',
    'src/routing/nginx/guard-provider.ts',
    'src/routing/traffic-state.ts',
    'src/routing/alb/render.ts',
    'src/routing/rollout-validation/references.ts',
    'src/webhook/patch.ts',
  ],
};
