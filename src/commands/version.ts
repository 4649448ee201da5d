import { readFileSync } from 'node:fs';

/** The package's version, read from package.json (two folders up from src/ and dist/ alike). */
export function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return String((JSON.parse(text) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}
