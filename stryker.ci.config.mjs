// The mutation run CI makes (`npm run mutation:ci`, from .ci/run): the drift guard (Ingress and
// Gateway API routes), the patch builder, and the routing files they render and validate with. Incremental against the
// committed reports/mutation/stryker-incremental.json, so a clean clone re-tests only the
// mutants whose code or covering tests changed since that result was recorded. It runs the
// same tests as `npm run mutation` (vitest.mutation.config.ts), so one record serves both.
// The whole of src/routing takes hours on two cores and stays a developer run.
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  mutate: [
    'src/routing/drift-guard.ts',
    'src/routing/traffic-provider.ts',
    'src/routing/alb/guard-provider.ts',
    'src/routing/nginx/guard-provider.ts',
    'src/routing/gateway-api/guard.ts',
    'src/routing/traffic-state.ts',
    'src/routing/alb/render.ts',
    'src/routing/rollout-validation/references.ts',
    'src/webhook/patch.ts',
  ],
};
