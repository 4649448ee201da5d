// Mutation testing of the routing core and the patch builder: `npm run mutation`
// (README, Development). The vitest runner of @stryker-mutator/vitest-runner >= 10.1 builds
// test names with vitest 5's " > " separator itself, so per-test filtering works unpatched.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: ['src/routing/**/*.ts', 'src/webhook/patch.ts'],
  coverageAnalysis: 'perTest',
  // Re-runs only mutants whose code or covering tests changed since the recorded run.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // Two cores shared with other work: one test runner at a time.
  concurrency: 1,
  timeoutMS: 10_000,
  // Static mutants (module-level constants: message catalogues, tables, regexes) are 14 % of
  // the mutants of src/routing but need the whole suite re-run each; measured on two cores they
  // took 60 % of the run. They are reported as Ignored and left out of the score.
  ignoreStatic: true,
  // Colours only: pass or fail is decided per area by scripts/mutation-targets.mjs, since the
  // report also holds files kept from the record that a run on fewer files did not test.
  thresholds: { high: 90, low: 85, break: null },
};
