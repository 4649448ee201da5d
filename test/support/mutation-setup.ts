/**
 * Setup of mutation runs only (vitest.mutation.config.ts). Property tests are 35 of the 45
 * seconds the routing tests take, and Stryker runs every test that covers a mutant, so one
 * mutant in shared code re-ran several seconds of generated cases; measured on two shared
 * cores, the eight files of `npm run mutation:ci` were estimated at 2 h 40 min this way.
 * Here each property stops after 1.5 s and counts as passed when no case failed by then: a
 * mutant the example tests miss is still found when a property's early cases expose it.
 * `npm test` runs every property to its full `numRuns`.
 */
import fc from 'fast-check';

fc.configureGlobal({ interruptAfterTimeLimit: 1_500 });
