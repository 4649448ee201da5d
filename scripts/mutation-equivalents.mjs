#!/usr/bin/env node
// The mutants the sources declare equivalent, and the check that every surviving mutant is one.
//
// Two kinds of comment declare them:
//   // Stryker disable next-line <Mutator>[,<Mutator>]: <why>
//     Stryker's own directive: every mutant of those mutators on the next line is Ignored and
//     leaves the score. Used where all of them are equivalent.
//   // Equivalent survivor: <original code or Mutator> → <replacement>: <why>
//     Ours, for a line that also holds a mutant of the same mutator that tests do kill (a
//     directive would hide that one too). Stryker does not read it: the mutant stays Survived
//     in the report, and this script explains it. It applies to the first code line below
//     its comment block; `original` is the mutated code as Stryker's report locates it
//     (whitespace-insensitive), or the mutator's name.
//
//   node scripts/mutation-equivalents.mjs [folder...]          lists both kinds (default: src)
//   node scripts/mutation-equivalents.mjs --check [folder...]  problems only: a directive
//                                                              without mutators or reason
//   node scripts/mutation-equivalents.mjs --report FILE [--files P,P]   every Survived or
//     NoCoverage mutant of a Stryker JSON report (reports/mutation/mutation.json) must be
//     explained by a marker in the source the report holds; lists those that are not, and exits
//     1 if any. --files: only the files whose paths start with one of the prefixes (a report
//     of a run on some files also holds the results it kept of others).
//
// `npm run lint` runs --check. Each line of each file is read once: time linear in the size of
// the sources (and of the report).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const check = args.includes('--check');
const reportAt = args.indexOf('--report');
const reportFile = reportAt >= 0 ? args[reportAt + 1] : undefined;
if (reportAt >= 0 && !reportFile) {
  console.error('--report needs the path of a Stryker JSON report');
  process.exit(2);
}
const filesAt = args.indexOf('--files');
const filePrefixes = filesAt >= 0 ? (args[filesAt + 1] ?? '').split(',').filter(Boolean) : [];
const folders = args.filter(
  (a, i) => a !== '--check' && ![reportAt, reportAt + 1, filesAt, filesAt + 1].includes(i),
);

const DIRECTIVE_MARK = 'Stryker disable';
const MARKER = 'Equivalent survivor:';
const ARROW = ' → ';

function* sourceFiles(folder) {
  const pending = [folder];
  while (pending.length > 0) {
    const dir = pending.pop();
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.name.endsWith('.ts')) yield path;
    }
  }
}

const squeeze = (text) => text.replace(/\s+/g, ' ').trim();

/** `next-line A,B: reason` or `A,B: reason` (until `Stryker restore`), as Stryker reads it. */
function parseDirective(rest) {
  const trimmed = rest.trim();
  const nextLine = trimmed.startsWith('next-line ');
  const body = nextLine ? trimmed.slice('next-line '.length) : trimmed;
  const colon = body.indexOf(':');
  const mutators = (colon < 0 ? body : body.slice(0, colon)).trim();
  const reason = colon < 0 ? '' : body.slice(colon + 1).trim();
  return { kind: 'directive', scope: nextLine ? 'next-line' : 'until restore', mutators, reason };
}

/** `<original or Mutator> → <replacement>: <why>`; undefined when it does not have that form. */
function parseMarker(rest) {
  const arrow = rest.indexOf(ARROW);
  if (arrow < 0) return undefined;
  const afterArrow = rest.slice(arrow + ARROW.length);
  const colon = afterArrow.indexOf(': ');
  if (colon < 0) return undefined;
  return {
    kind: 'marker',
    original: squeeze(rest.slice(0, arrow)),
    replacement: squeeze(afterArrow.slice(0, colon)),
    reason: afterArrow.slice(colon + 2).trim(),
  };
}

/**
 * The directives and markers of one source text. A marker applies to the first line after
 * its comment block that is not a comment (`appliesTo`, 1-based).
 */
function declarationsOf(text) {
  const lines = text.split('\n');
  const found = [];
  let waiting = [];
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    const directiveAt = line.indexOf(DIRECTIVE_MARK);
    const markerAt = line.indexOf(MARKER);
    if (directiveAt >= 0) {
      found.push({ line: index + 1, ...parseDirective(line.slice(directiveAt + DIRECTIVE_MARK.length)) });
    } else if (markerAt >= 0) {
      const marker = parseMarker(line.slice(markerAt + MARKER.length).trim());
      const entry = { line: index + 1, ...(marker ?? { kind: 'marker', malformed: true, reason: '' }) };
      found.push(entry);
      waiting.push(entry);
    }
    if (trimmed === '' || trimmed.startsWith('//')) return;
    for (const entry of waiting) entry.appliesTo = index + 1;
    waiting = [];
  });
  return found;
}

function problemsOf(declarations) {
  return declarations.filter((d) =>
    d.kind === 'directive' ? d.reason === '' || d.mutators === '' : d.malformed || d.reason === '',
  );
}

/** The source text Stryker's location spans (line and column 1-based, end exclusive). */
function spanOf(lines, location) {
  const { start, end } = location;
  if (start.line === end.line) return lines[start.line - 1]?.slice(start.column - 1, end.column - 1) ?? '';
  const parts = [lines[start.line - 1]?.slice(start.column - 1) ?? ''];
  for (let l = start.line + 1; l < end.line; l++) parts.push(lines[l - 1] ?? '');
  parts.push(lines[end.line - 1]?.slice(0, end.column - 1) ?? '');
  return parts.join('\n');
}

function explains(marker, mutant, original) {
  if (marker.malformed || marker.appliesTo !== mutant.location.start.line) return false;
  if (marker.replacement !== squeeze(mutant.replacement ?? '')) return false;
  return marker.original === mutant.mutatorName || marker.original === squeeze(original);
}

function checkReport(path) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  let survivors = 0;
  let explained = 0;
  const unexplained = [];
  for (const [file, entry] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    if (filePrefixes.length > 0 && !filePrefixes.some((p) => file.startsWith(p))) continue;
    const lines = entry.source.split('\n');
    const markers = declarationsOf(entry.source).filter((d) => d.kind === 'marker');
    const byLine = new Map();
    for (const m of markers) byLine.set(m.appliesTo, [...(byLine.get(m.appliesTo) ?? []), m]);
    for (const mutant of entry.mutants) {
      if (mutant.status !== 'Survived' && mutant.status !== 'NoCoverage') continue;
      survivors++;
      const original = spanOf(lines, mutant.location);
      const candidates = byLine.get(mutant.location.start.line) ?? [];
      if (candidates.some((m) => explains(m, mutant, original))) explained++;
      else
        unexplained.push(
          `${file}:${mutant.location.start.line}:${mutant.location.start.column} ${mutant.status} ` +
            `${mutant.mutatorName}: ${squeeze(original)}${ARROW}${squeeze(mutant.replacement ?? '')}`,
        );
    }
  }
  for (const line of unexplained) console.log(line);
  console.log(
    `${survivors} surviving mutants in ${path}: ${explained} declared equivalent, ${unexplained.length} not`,
  );
  process.exit(unexplained.length > 0 ? 1 : 0);
}

if (reportFile) checkReport(reportFile);
else {
  const found = [];
  for (const folder of folders.length > 0 ? folders : ['src']) {
    for (const file of sourceFiles(join(root, folder))) {
      const name = relative(root, file);
      for (const d of declarationsOf(readFileSync(file, 'utf8'))) found.push({ file: name, ...d });
    }
  }
  found.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  const problems = problemsOf(found);
  const describe = (d) =>
    d.kind === 'directive'
      ? `${d.file}:${d.line}: a Stryker directive needs mutator names and a reason after ':'`
      : `${d.file}:${d.line}: write '${MARKER} <original or Mutator>${ARROW}<replacement>: <why>'`;
  if (check) {
    for (const d of problems) console.error(describe(d));
    process.exit(problems.length > 0 ? 1 : 0);
  }
  const perFile = new Map();
  for (const d of found) {
    const what =
      d.kind === 'directive'
        ? `Ignored\t${d.mutators}`
        : `Survived\t${d.original ?? '?'}${ARROW}${d.replacement ?? '?'}`;
    console.log(`${d.file}:${d.line}\t${what}\t${d.reason}`);
    const counts = perFile.get(d.file) ?? { directive: 0, marker: 0 };
    counts[d.kind]++;
    perFile.set(d.file, counts);
  }
  const directives = found.filter((d) => d.kind === 'directive').length;
  console.log(
    `\n${directives} directives (mutants Ignored) and ${found.length - directives} markers ` +
      `(equivalent survivors) in ${perFile.size} files`,
  );
  for (const [file, c] of perFile)
    console.log(`${String(c.directive).padStart(4)} ${String(c.marker).padStart(4)}  ${file}`);
  if (problems.length > 0) {
    for (const d of problems) console.log(describe(d));
    process.exit(1);
  }
}
