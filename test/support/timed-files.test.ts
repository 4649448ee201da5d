import { readdirSync, readFileSync } from 'node:fs';
import { join, matchesGlob } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TIMED } from './timed-files.js';

/** Test files that import the timing helpers (scaling ratios or the thread's CPU clock). */
function filesThatTime(): string[] {
  const found: string[] = [];
  const pending = ['test'];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (
        path.endsWith('.test.ts') &&
        /support\/(scaling|cpu-time)\.js'/.test(readFileSync(path, 'utf8'))
      )
        found.push(path);
    }
  }
  return found.sort();
}

describe('the timed test project', () => {
  it('lists every test file that times its work, so that none runs beside another file', () => {
    const own = ['test/e2e/', 'test/heavy/', 'test/fuzz/']; // their own configs run them alone
    const timing = filesThatTime().filter((f) => !own.some((dir) => f.startsWith(dir)));
    expect(timing.length).toBeGreaterThan(10);
    expect(timing.filter((f) => !TIMED.some((glob) => matchesGlob(f, glob)))).toEqual([]);
  });
});
