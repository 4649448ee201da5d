// The chart's generated documentation is current, and the generator reads the conventions it
// claims to (helm-docs' `# --` comments; Keep a Changelog sections as Artifact Hub change kinds).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CHART_DIR,
  changesAnnotation,
  chartChanges,
  generatedFiles,
  renderReadme,
  valueRows,
  withChanges,
} from '../../scripts/chart-docs.js';

const ROOT = resolve(CHART_DIR, '../..');
const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as {
  home: string;
  sources: string[];
  icon: string;
  appVersion: string;
  annotations: Record<string, string>;
};

describe('generated chart documentation', () => {
  it.each(generatedFiles().map((f) => [f.path.slice(ROOT.length + 1), f] as const))(
    '%s is current (npm run chart:docs)',
    (_, file) => {
      expect(file.current, `${file.path} is stale: run npm run chart:docs`).toBe(file.generated);
    },
  );

  it('documents every value in values.yaml', () => {
    const rows = valueRows(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
    expect(rows.length).toBeGreaterThan(80);
    expect(rows.filter((r) => r.description === '').map((r) => r.key)).toEqual([]);
  });
});

describe('valueRows (helm-docs comment convention)', () => {
  const values = [
    '# File header, not documentation.',
    '',
    '# -- The name.',
    'name: x',
    'image:',
    '  # -- Where the image is.',
    '  # Continued here.',
    '  repository: repo',
    '  tag: ""',
    '# A section comment without "--" documents nothing.',
    'server:',
    '  # -- deny or warn.',
    '  # -- warn admits with a warning.',
    '  mode: deny',
    '# -- Whole object, one row.',
    'resources:',
    '  limits: {memory: 1Gi}',
    'ref: {}',
    '  #  name: commented-out example',
    '# -- After an example.',
    'ratio: 0.5',
    'annotations:',
    '  example.com/key: "1"',
  ].join('\n');

  it('reads `# --` blocks, paragraphs, first keys of maps and quoted keys', () => {
    expect(valueRows(values)).toEqual([
      { key: 'name', type: 'string', defaultJson: '"x"', description: 'The name.' },
      {
        key: 'image.repository',
        type: 'string',
        defaultJson: '"repo"',
        description: 'Where the image is. Continued here.',
      },
      { key: 'image.tag', type: 'string', defaultJson: '""', description: '' },
      {
        key: 'server.mode',
        type: 'string',
        defaultJson: '"deny"',
        description: 'deny or warn.<br>warn admits with a warning.',
      },
      {
        key: 'resources',
        type: 'object',
        defaultJson: '{"limits":{"memory":"1Gi"}}',
        description: 'Whole object, one row.',
      },
      { key: 'ref', type: 'object', defaultJson: '{}', description: '' },
      { key: 'ratio', type: 'float', defaultJson: '0.5', description: 'After an example.' },
      { key: 'annotations."example.com/key"', type: 'string', defaultJson: '"1"', description: '' },
    ]);
  });

  it('escapes table cells and fills the template', () => {
    const readme = renderReadme(
      '{{ chart.header }}\n\n{{ chart.values }}\n',
      'name: demo\nversion: 1.2.3\n',
      '# -- Matchers like a|b for <fullname>, `<kept>` in code.\nselector: "a|b"\n',
    );
    expect(readme).toContain('# demo\n');
    expect(readme).toContain(
      '| selector | string | `"a\\|b"` | Matchers like a\\|b for &lt;fullname&gt;, `<kept>` in code. |',
    );
    expect(() => renderReadme('{{ chart.nope }}', 'name: d\nversion: 1.0.0\n', 'a: 1\n')).toThrow(
      'unknown placeholder {{ chart.nope }}',
    );
  });
});

describe('chartChanges (CHANGELOG to artifacthub.io/changes)', () => {
  const changelog = [
    '# Changelog',
    '',
    '## [Unreleased]',
    '',
    '### Added',
    '- Chart: a `helm test` pod',
    '  that sends one review.',
    '- Something outside the chart.',
    '- Chart: ci values files:',
    '  - one per certificate mode;',
    '  - monitoring on and off.',
    '',
    '### Fixed',
    '- Chart: cluster-scoped names include the namespace.',
    '',
    '## [0.0.1]',
    '',
    '### Added',
    '- Chart: an older entry.',
  ].join('\n');

  it('takes the newest section\'s "Chart:" entries with their Keep a Changelog kind', () => {
    expect(chartChanges(changelog)).toEqual([
      { kind: 'added', description: 'A `helm test` pod that sends one review.' },
      { kind: 'added', description: 'Ci values files: one per certificate mode; monitoring on and off.' },
      { kind: 'fixed', description: 'Cluster-scoped names include the namespace.' },
    ]);
  });

  it('refuses a section name Artifact Hub has no kind for', () => {
    expect(() => chartChanges('## [Unreleased]\n### Improved\n- Chart: x\n')).toThrow(
      '"### Improved" is not a Keep a Changelog section',
    );
  });

  it('writes an annotation Artifact Hub can read and replaces only its block in Chart.yaml', () => {
    const annotation = changesAnnotation([{ kind: 'fixed', description: 'Quotes " and: colons' }]);
    expect(parse(annotation)).toEqual([{ kind: 'fixed', description: 'Quotes " and: colons' }]);
    const before =
      'annotations:\n  a: b\n  artifacthub.io/changes: |\n    - kind: added\n      description: old\n  c: d\n';
    expect(withChanges(before, annotation)).toBe(
      'annotations:\n  a: b\n  artifacthub.io/changes: |\n    - kind: fixed\n      description: "Quotes \\" and: colons"\n  c: d\n',
    );
  });
});

describe('Chart.yaml metadata and Artifact Hub annotations', () => {
  const repo = chart.home;
  /** A file of this repository named by a URL under the home repository on GitHub. */
  const fileIn = (url: string): string => {
    const prefixes = [
      `${repo}/blob/main/`,
      `${repo}/tree/main/`,
      `${repo.replace('https://github.com/', 'https://raw.githubusercontent.com/')}/main/`,
    ];
    const prefix = prefixes.find((p) => url.startsWith(p));
    if (!prefix) throw new Error(`${url} is not a file URL under ${repo}`);
    return join(ROOT, url.slice(prefix.length));
  };

  it('home and sources are the repository package.json names', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      homepage: string;
      repository: { url: string };
    };
    expect(repo).toBe(pkg.homepage);
    expect(pkg.repository.url).toBe(`git+${repo}.git`);
    expect(chart.sources).toContain(repo);
    for (const source of chart.sources.filter((s) => s !== repo))
      expect(existsSync(fileIn(source)), source).toBe(true);
  });

  it('the icon is an SVG in this repository', () => {
    const icon = fileIn(chart.icon);
    expect(icon.endsWith('.svg')).toBe(true);
    expect(readFileSync(icon, 'utf8')).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it('links point at documents that exist', () => {
    const links = parse(chart.annotations['artifacthub.io/links']!) as { name: string; url: string }[];
    expect(links.map((l) => l.name)).toEqual(['Installation guide', 'Validation rules', 'Changelog']);
    for (const link of links) expect(existsSync(fileIn(link.url)), link.url).toBe(true);
  });

  it('images name the image the chart renders by default, pinned to appVersion', () => {
    const images = parse(chart.annotations['artifacthub.io/images']!) as { name: string; image: string }[];
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as {
      image: { repository: string; tag: string };
    };
    expect(values.image.tag).toBe('');
    expect(images).toEqual([{ name: 'webhook', image: `${values.image.repository}:${chart.appVersion}` }]);
  });

  it("changes come from the CHANGELOG and the license is the package's", () => {
    const changes = parse(chart.annotations['artifacthub.io/changes']!) as {
      kind: string;
      description: string;
    }[];
    expect(changes.length).toBeGreaterThan(0);
    expect(changes).toEqual(chartChanges(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(chart.annotations['artifacthub.io/license']).toBe(pkg.license);
  });
});
