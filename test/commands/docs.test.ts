/**
 * The docs match the code: every flag a command's --help lists is in the README, and every
 * `rtw_` metric the code registers is documented.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_HELP } from '../../src/commands/help.js';
import { SERVE_FLAGS } from '../../src/commands/options.js';

const README = readFileSync('README.md', 'utf8');

/** `--name` tokens at the start of the option lines of a help text. */
function helpFlags(help: string): string[] {
  const flags = new Set<string>();
  for (const line of help.split('\n')) {
    const trimmed = line.trimStart();
    if (!trimmed.startsWith('-')) continue;
    for (const token of trimmed.split(/[\s,]+/)) {
      if (token.startsWith('--') && token.length > 2) flags.add(token);
      else if (!token.startsWith('-')) break;
    }
  }
  return [...flags].sort();
}

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => join(e.parentPath, e.name));
}

describe('README', () => {
  it.each(Object.keys(COMMAND_HELP))('names every flag of `%s --help`', (command) => {
    const flags = helpFlags(COMMAND_HELP[command]!);
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.filter((flag) => !README.includes(`\`${flag}`) && !README.includes(` ${flag}`))).toEqual([]);
  });

  it('serve --help lists exactly the flags serve parses', () => {
    expect(helpFlags(COMMAND_HELP.serve!).filter((f) => f !== '--help')).toEqual(
      Object.keys(SERVE_FLAGS)
        .map((f) => `--${f}`)
        .sort(),
    );
  });

  it('names no folder for check examples that the reader would not have', () => {
    expect(README).not.toContain('check deploy/');
  });
});

describe('metrics docs', () => {
  it('documents every rtw_ metric the code registers', () => {
    const registered = new Set<string>();
    for (const file of filesUnder('src', '.ts')) {
      const text = readFileSync(file, 'utf8');
      let at = text.indexOf("name: 'rtw_");
      while (at >= 0) {
        const start = at + "name: '".length;
        registered.add(text.slice(start, text.indexOf("'", start)));
        at = text.indexOf("name: 'rtw_", start);
      }
    }
    expect(registered.size).toBeGreaterThanOrEqual(12);
    const docs = [README, ...filesUnder('docs', '.md').map((f) => readFileSync(f, 'utf8'))].join('\n');
    expect([...registered].filter((name) => !docs.includes(name)).sort()).toEqual([]);
  });
});
