import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULES, type RuleId } from '../../../src/routing/findings/index.js';

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

/** The lines of each `##`/`###` section of a doc, by anchor. */
function sectionsOf(doc: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of readFileSync(`docs/${doc}`, 'utf8').split('\n')) {
    const heading = /^#{2,3} (.*)$/.exec(line);
    if (heading) sections.set(anchorOf(heading[1]!), (current = []));
    else current.push(line);
  }
  return sections;
}

/** Table rows of a section whose first cell names rule ids, with the severity cell. */
function documentedRules(lines: string[]): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of lines) {
    if (!line.startsWith('| `')) continue;
    const [ids, severity] = line.slice(1).split('|');
    for (const [, id] of ids!.matchAll(/`([a-z0-9-]+)`/g)) rows.set(id!, severity!.trim());
  }
  return rows;
}

const entries = Object.entries(RULES) as [RuleId, (typeof RULES)[RuleId]][];
const docs = new Map<string, Map<string, string[]>>();
const sectionOf = (doc: string) => {
  const [file, anchor] = doc.split('#') as [string, string];
  if (!docs.has(file)) docs.set(file, sectionsOf(file));
  return docs.get(file)!.get(anchor);
};

describe('rule catalogue', () => {
  it('has ids in kebab case', () => {
    expect(entries.length).toBe(122);
    for (const [id] of entries) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it.each(entries)('%s is documented in its section with its severity', (id, entry) => {
    const section = sectionOf(entry.doc);
    expect(
      section,
      `no heading #${entry.doc.split('#')[1]} in docs/${entry.doc.split('#')[0]}`,
    ).toBeDefined();
    const severity = documentedRules(section!).get(id);
    expect(severity, `${id} has no table row in docs/${entry.doc}`).toBeDefined();
    expect(severity!.startsWith(entry.severity)).toBe(true);
  });

  it('lists every rule id the rule tables document', () => {
    const sections = new Set(entries.map(([, entry]) => entry.doc));
    const documented = [...sections].flatMap((doc) => [...documentedRules(sectionOf(doc)!).keys()]);
    expect(documented.filter((id) => !(id in RULES))).toEqual([]);
  });
});
