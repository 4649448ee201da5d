import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one plain closing line, `e2e: N passed, N failed, N skipped`, that any CI log
 * reader understands, after vitest's own summary. Files that failed to run at all (for
 * example in a hook) count as failed, so a broken setup never reads as a pass.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const count = (state: 'passed' | 'failed' | 'skipped') =>
      testModules.reduce((sum, module) => sum + [...module.children.allTests(state)].length, 0);
    const brokenFiles = testModules.filter((module) => module.state() === 'failed').length;
    const failed = count('failed') + unhandledErrors.length + (count('failed') === 0 ? brokenFiles : 0);
    process.stdout.write(`e2e: ${count('passed')} passed, ${failed} failed, ${count('skipped')} skipped\n`);
  }
}
