// A small Dockerfile reader for static checks: no engine runs on these machines, so the image's
// properties are asserted on the instructions themselves.

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  base: string;
  name: string | undefined;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Map<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (pending === undefined && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending !== undefined && line.trimStart().startsWith('#')) return; // comments inside continuations
    const current = pending ?? { text: '', line: index + 1 };
    const continued = line.endsWith('\\');
    current.text += ' ' + (continued ? line.slice(0, -1) : line).trim();
    if (continued) {
      pending = current;
      return;
    }
    pending = undefined;
    const match = /^(\S+)(?:\s(.*))?$/.exec(current.text.trim());
    if (!match) throw new Error(`unreadable Dockerfile line ${current.line}`);
    instructions.push({
      keyword: match[1]!.toUpperCase(),
      args: (match[2] ?? '').trim(),
      line: current.line,
    });
  });
  if (pending !== undefined)
    throw new Error(`Dockerfile ends inside a continued line (from line ${pending.line})`);

  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!from) throw new Error(`unreadable FROM at line ${instruction.line}`);
      stages.push({ base: substitute(from[1]!, globalArgs), name: from[2], instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`${instruction.keyword} before the first FROM`);
      const [name, value] = instruction.args.split('=', 2);
      // `ARG NAME` without a default leaves NAME unset, which a FROM cannot use.
      if (value !== undefined) globalArgs.set(name!.trim(), value.trim());
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

function substitute(text: string, args: Map<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const value = args.get(name);
    if (value === undefined) throw new Error(`FROM uses \${${name}}, which has no default`);
    return value;
  });
}

/** Exec-form JSON arguments of ENTRYPOINT/CMD, or undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : undefined;
}

/**
 * Whether .dockerignore keeps `path` in the build context: Docker's rule that the last matching
 * pattern wins, where a pattern also matches every path below a directory it matches.
 */
export function inBuildContext(dockerignore: string, path: string): boolean {
  const patterns = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  let included = true;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const regex = globToRegExp(negated ? raw.slice(1) : raw);
    if (pathOrParentMatches(regex, path)) included = negated;
  }
  return included;
}

function pathOrParentMatches(regex: RegExp, path: string): boolean {
  const parts = path.split('/');
  return parts.some((_, i) => regex.test(parts.slice(0, i + 1).join('/')));
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
