#!/usr/bin/env node
// Lists the mutants the sources declare equivalent: every `// Stryker disable` comment under src/,
// with the line it applies to, the mutators it names and its reason. Stryker reports these
// mutants as Ignored and leaves them out of the score, so this listing is the other half of
// the score: what the tests do not have to notice, and why.
//
//   node scripts/mutation-equivalents.mjs [--check] [folder...]   (default folder: src)
//
// --check prints only problems and exits 1 when a directive gives no reason or names no mutator
// (`npm run lint` runs it). The scan reads each line once: time linear in the sources' size.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const check = args.includes('--check');
const folders = args.filter((a) => a !== '--check');

const DIRECTIVE_MARK = 'Stryker disable';

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

/**
 * One directive from the text after `Stryker disable`: `next-line A,B: reason` or `A,B: reason`
 * (until `Stryker restore`). Stryker's own syntax: the mutator list, then an optional reason
 * after the first colon.
 */
function parseDirective(rest) {
  const trimmed = rest.trim();
  const nextLine = trimmed.startsWith('next-line ');
  const body = nextLine ? trimmed.slice('next-line '.length) : trimmed;
  const colon = body.indexOf(':');
  const mutators = (colon < 0 ? body : body.slice(0, colon)).trim();
  const reason = colon < 0 ? '' : body.slice(colon + 1).trim();
  return { scope: nextLine ? 'next-line' : 'until restore', mutators, reason };
}

const found = [];
for (const folder of folders.length > 0 ? folders : ['src']) {
  for (const file of sourceFiles(join(root, folder))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, index) => {
      const at = text.indexOf(DIRECTIVE_MARK);
      if (at < 0) return;
      const directive = parseDirective(text.slice(at + DIRECTIVE_MARK.length));
      found.push({ file: relative(root, file), line: index + 1, ...directive });
    });
  }
}
found.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);

const problems = found.filter((d) => d.reason === '' || d.mutators === '');
if (check) {
  for (const d of problems)
    console.error(`${d.file}:${d.line}: a Stryker directive needs mutator names and a reason after ':'`);
  process.exit(problems.length > 0 ? 1 : 0);
}

const perFile = new Map();
for (const d of found) {
  console.log(`${d.file}:${d.line}\t${d.scope}\t${d.mutators}\t${d.reason}`);
  perFile.set(d.file, (perFile.get(d.file) ?? 0) + 1);
}
console.log(`\n${found.length} directives in ${perFile.size} files`);
for (const [file, count] of perFile) console.log(`${String(count).padStart(4)}  ${file}`);
if (problems.length > 0) {
  console.log(`${problems.length} without a reason or mutator names (see --check)`);
  process.exit(1);
}
