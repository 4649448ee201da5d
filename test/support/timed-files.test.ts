import { readdirSync, readFileSync } from 'node:fs';
import { join, matchesGlob } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TIMED } from './timed-files.js';

/** Test files that import the timing helpers (scaling ratios or the thread's CPU clock). */
function filesThatTime(): string[] {
  return readdirSync('test', { recursive: true, encoding: 'utf8' })
    .map((path) => join('test', path))
    .filter((path) => path.endsWith('.test.ts'))
    .filter((path) => /support\/(scaling|cpu-time)\.js'/.test(readFileSync(path, 'utf8')))
    .sort();
}

describe('the timed test project', () => {
  it('lists every test file that times its work, so that none runs beside another file', () => {
    const own = ['test/e2e/', 'test/heavy/', 'test/fuzz/']; // their own configs run them alone
    const timing = filesThatTime().filter((f) => !own.some((dir) => f.startsWith(dir)));
    expect(timing.length).toBeGreaterThan(10);
    expect(timing.filter((f) => !TIMED.some((glob) => matchesGlob(f, glob)))).toEqual([]);
  });
});
