/**
 * Header routes that can never match on an ALB.
 *
 * Argo Rollouts (v1.7 and later) turns each distinct `headerName` of a setHeaderRoute into
 * one `http-header` condition, merging the values of byte-equal names (values are ORed).
 * Conditions of one ALB rule are ANDed, and the ALB compares both header names and values
 * case-insensitively. So `X-Canary: a` plus `x-canary: b` become two conditions on the same
 * header that need two different values at once: the rule never matches.
 */
import { newFinding, type FieldPath } from '../findings/index.js';
import type { Finding, SetHeaderRoute } from '../model.js';

/** ALB values may use `*` and `?` wildcards; such values are not compared here. */
const WILDCARD = /[*?]/;

export function headerMatchFindings(route: SetHeaderRoute, field: FieldPath): Finding[] {
  // header name (lowercased) -> spelling as written -> exact values (lowercased)
  const byHeader = new Map<string, Map<string, Set<string>>>();
  // Equivalent mutant: a string seeded into the [] has no headerValue, so it is skipped.
  // Stryker disable next-line ArrayDeclaration: equivalent, skipped
  for (const m of route.match ?? []) {
    const exact = m.headerValue?.exact;
    if (!exact || !m.headerName) continue;
    const spellings = byHeader.get(m.headerName.toLowerCase()) ?? new Map<string, Set<string>>();
    byHeader.set(m.headerName.toLowerCase(), spellings);
    const values = spellings.get(m.headerName) ?? new Set<string>();
    spellings.set(m.headerName, values);
    values.add(exact.toLowerCase());
  }
  const out: Finding[] = [];
  // A header spelt one way has its values in common with itself, and is skipped below.
  for (const spellings of byHeader.values()) {
    const valueSets = [...spellings.values()];
    if (valueSets.some((set) => [...set].some((v) => WILDCARD.test(v)))) continue;
    const common = [...valueSets[0]!].filter((v) => valueSets.every((set) => set.has(v)));
    if (common.length > 0) continue;
    const names = [...spellings.keys()].map((n) => `"${n}"`).join(' and ');
    out.push(
      newFinding(
        'header-route-never-matches',
        field,
        `Header route "${route.name}" never matches: ${names} become separate ALB conditions that must all hold, and no one value satisfies them. Spell the header name the same way in every match so Argo merges the values.`,
      ),
    );
  }
  return out;
}
