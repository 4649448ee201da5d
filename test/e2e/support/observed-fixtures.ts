import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'prettier';

const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/observed-controller/', import.meta.url));

/** Set E2E_RECORD_FIXTURES=1 to (re)write the observed-controller fixtures from this run. */
export const RECORDING = process.env.E2E_RECORD_FIXTURES === '1';

export function fixturePath(name: string): string {
  return `${FIXTURE_DIR}${name}.json`;
}

/** Writes an observation as a fixture, formatted the way the repository's prettier check wants it. */
export async function writeFixture(name: string, observed: unknown): Promise<void> {
  const path = fixturePath(name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, await format(JSON.stringify(observed), { parser: 'json' }));
  process.stderr.write(`[e2e] recorded ${path}\n`);
}

/**
 * Returns the committed observation to compare with, or, when recording, writes `observed`
 * and returns it. A missing fixture outside recording mode is an error, never a pass.
 */
export async function committedOrRecorded<T>(name: string, observed: T): Promise<T> {
  const path = fixturePath(name);
  if (RECORDING) {
    await writeFixture(name, observed);
    return observed;
  }
  if (!existsSync(path)) {
    throw new Error(
      `no committed fixture ${path}; run with E2E_RECORD_FIXTURES=1 to record one from the real controller`,
    );
  }
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
