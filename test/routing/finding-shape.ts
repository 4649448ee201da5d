/**
 * What every finding must look like, whatever the input: the assertion the "never throws on
 * arbitrary input" properties make about what the functions returned.
 */
import { expect } from 'vitest';
import type { Finding } from '../../src/routing/model.js';

/** Rule ids are kebab-case words (`alb-action-type`), the form metrics labels and docs use. */
const RULE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function expectWellFormedFindings(findings: readonly Finding[]): void {
  for (const f of findings) {
    expect(['error', 'warning'], JSON.stringify(f)).toContain(f.severity);
    expect(f.rule, JSON.stringify(f)).toMatch(RULE_ID);
    // The field path: empty for the object as a whole, never padded.
    expect(typeof f.field, JSON.stringify(f)).toBe('string');
    expect(f.field.trim(), JSON.stringify(f)).toBe(f.field);
    expect(f.message.length, JSON.stringify(f)).toBeGreaterThan(0);
    expect(f.message.trim(), JSON.stringify(f)).toBe(f.message);
    // A value interpolated without being rendered: a message that cannot tell the user anything.
    expect(f.message, JSON.stringify(f)).not.toContain('[object Object]');
  }
}
