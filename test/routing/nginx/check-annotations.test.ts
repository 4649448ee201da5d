import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding, Ingress } from '../../../src/routing/model.js';
import { goAtoi } from '../../../src/routing/go/index.js';
import { mirrorTargetHost } from '../../../src/routing/nginx/check-annotations.js';
import { validateNginxAnnotations } from '../../../src/routing/nginx/index.js';
import { anyAsText } from '../alb/check-helpers.js';

const N = 'nginx.ingress.kubernetes.io';
const field = (suffix: string, prefix = N) =>
  `metadata.annotations[${JSON.stringify(`${prefix}/${suffix}`)}]`;

function ingress(annotations: Record<string, string>): Ingress {
  return { namespace: 'shop', name: 'web-canary', annotations, backends: [] };
}

function run(suffixes: Record<string, string>, prefix = N): Finding[] {
  const annotations = Object.fromEntries(Object.entries(suffixes).map(([k, v]) => [`${prefix}/${k}`, v]));
  return validateNginxAnnotations(ingress(annotations), prefix === N ? undefined : { prefix });
}

const rules = (findings: Finding[]) => findings.map((f) => f.rule);
const canary = (extra: Record<string, string>) => run({ canary: 'true', ...extra });

describe('nginx canary/main.go what Argo Rollouts writes validates clean', () => {
  it('nginx canary/main.go canary, canary-weight and canary-weight-total as Argo writes them', () => {
    expect(canary({ 'canary-weight': '0' })).toEqual([]);
    expect(canary({ 'canary-weight': '100' })).toEqual([]);
    expect(canary({ 'canary-weight': '250', 'canary-weight-total': '1000' })).toEqual([]);
    expect(canary({ 'canary-weight': '30', 'canary-weight-total': '100' })).toEqual([]);
  });

  it('nginx canary/main.go header and cookie routing from additionalIngressAnnotations', () => {
    expect(
      canary({ 'canary-weight': '0', 'canary-by-header': 'X-Canary', 'canary-by-header-value': 'iwantsit' }),
    ).toEqual([]);
    expect(canary({ 'canary-by-header': 'X-Canary', 'canary-by-header-pattern': '^(beta|canary)$' })).toEqual(
      [],
    );
    expect(canary({ 'canary-by-cookie': 'canary_user' })).toEqual([]);
  });

  it('nginx parser/main.go an Ingress without canary or mirror annotations has no findings', () => {
    expect(validateNginxAnnotations(ingress({ 'kubernetes.io/ingress.class': 'nginx' }))).toEqual([]);
  });
});

describe('nginx canary/main.go values ingress-nginx would silently default', () => {
  it.each([['yes'], ['on'], ['True '], [' true'], ['TRue'], ['']])(
    'nginx canary/main.go canary %j is not a Go bool',
    (value) => {
      const findings = run({ canary: value, 'canary-weight': '10' });
      expect(rules(findings)).toEqual(['nginx-canary', 'nginx-canary-not-enabled']);
      expect(findings[0]).toMatchObject({
        severity: 'error',
        field: field('canary'),
        ingress: 'shop/web-canary',
      });
      expect(findings[0]?.message).toContain('ordinary (non-canary) Ingress');
      if (value !== '') expect(findings[0]?.message).toContain(`"canary is invalid, defaulting to 'false'"`);
    },
  );

  it.each([['1'], ['t'], ['T'], ['TRUE'], ['True']])(
    'nginx canary/main.go canary %j is true for Go',
    (value) => {
      expect(run({ canary: value, 'canary-weight': '10' })).toEqual([]);
    },
  );

  it.each([['10.0'], ['1e1'], [' 10'], ['10%'], ['0x10'], ['ten'], [''], ['99999999999999999999']])(
    'nginx canary/main.go canary-weight %j is not an Atoi integer',
    (value) => {
      const findings = canary({ 'canary-weight': value });
      expect(rules(findings)).toEqual(['nginx-canary-weight']);
      expect(findings[0]?.message).toContain('use 0');
    },
  );

  it('nginx canary/main.go canary-weight with a sign or leading zeros is an integer for Atoi', () => {
    expect(canary({ 'canary-weight': '+10' })).toEqual([]);
    expect(canary({ 'canary-weight': '010' })).toEqual([]);
  });

  it('nginx canary/main.go canary-weight-total that does not parse defaults to 100', () => {
    const findings = canary({ 'canary-weight': '10', 'canary-weight-total': '1000.5' });
    expect(rules(findings)).toEqual(['nginx-canary-weight-total']);
    expect(findings[0]?.message).toContain(`"canary-weight-total is invalid, defaulting to '100'"`);
  });

  it.each([['10'], ['0'], ['-5'], ['99']])(
    'nginx canary/main.go canary-weight-total %j is below 100 and ignored at runtime',
    (total) => {
      const findings = canary({ 'canary-weight': '5', 'canary-weight-total': total });
      expect(rules(findings)).toEqual(['nginx-canary-weight-total']);
      expect(findings[0]?.message).toContain('canary-weight 5 would mean 5% instead of 5/');
    },
  );

  it.each([
    ['-1', undefined, 'no'],
    ['101', undefined, 'all'],
    ['1001', '1000', 'all'],
  ])('nginx canary/main.go canary-weight %j outside 0..total', (weight, total, share) => {
    const findings = canary({ 'canary-weight': weight, ...(total ? { 'canary-weight-total': total } : {}) });
    expect(rules(findings)).toEqual(['nginx-canary-weight']);
    expect(findings[0]?.message).toContain(`would send ${share} traffic to the canary`);
  });

  it('nginx canary/main.go canary settings without canary "true": configured but not enabled', () => {
    const cases: Record<string, string>[] = [
      { 'canary-weight': '10' },
      { 'canary-by-header': 'X-Canary' },
      { 'canary-by-cookie': 'c' },
      { canary: 'false', 'canary-by-header': 'X-A', 'canary-by-header-pattern': 'a' },
    ];
    for (const settings of cases) {
      const findings = run(settings);
      expect(rules(findings)).toContain('nginx-canary-not-enabled');
      expect(findings.find((f) => f.rule === 'nginx-canary-not-enabled')?.message).toContain(
        '"the annotation canary does not contain a valid configuration: configured but not enabled"',
      );
    }
  });

  it('nginx canary/main.go canary-weight-total or weight 0 alone is not "configured"', () => {
    expect(run({ 'canary-weight-total': '1000' })).toEqual([]);
    expect(run({ 'canary-weight': '0' })).toEqual([]);
  });

  it.each([
    ['canary-by-header', 'X_Canary!'],
    ['canary-by-header', 'X@Canary'],
    ['canary-by-header-value', 'a,b'],
    ['canary-by-header-value', 'a"b'],
    ['canary-by-cookie', 'user=canary'],
  ])('nginx canary/main.go %s %j has characters outside BasicChars', (suffix, value) => {
    const extra: Record<string, string> =
      suffix === 'canary-by-header' ? {} : { 'canary-by-header': 'X-Canary' };
    const findings = canary({ ...extra, [suffix]: value });
    expect(rules(findings)).toEqual([`nginx-${suffix}`]);
    expect(findings[0]?.message).toContain(
      `"validation error on ingress shop/web-canary: annotation ${suffix} contains invalid value ${value}"`,
    );
    expect(findings[0]?.message).toContain(`"${suffix} is invalid, defaulting to ''"`);
  });

  it('nginx canary/main.go spaces are stripped before the BasicChars check: a value with spaces passes', () => {
    expect(canary({ 'canary-by-header': 'X-Canary', 'canary-by-header-value': 'yes please' })).toEqual([]);
  });

  it('nginx canary/main.go a header or cookie name with inner spaces passes validation but can never match', () => {
    const findings = canary({ 'canary-by-header': 'X Canary' });
    expect(rules(findings)).toEqual(['nginx-canary-by-header']);
    expect(findings[0]?.message).toContain('no request header can ever match');
    expect(rules(canary({ 'canary-by-cookie': 'my cookie' }))).toEqual(['nginx-canary-by-cookie']);
  });

  it('nginx canary/main.go header-pattern: regex characters allowed, spaces not', () => {
    expect(canary({ 'canary-by-header': 'X-A', 'canary-by-header-pattern': '^v[0-9]+\\.(a|b)$' })).toEqual(
      [],
    );
    const findings = canary({ 'canary-by-header': 'X-A', 'canary-by-header-pattern': '^a b$' });
    expect(rules(findings)).toEqual(['nginx-canary-by-header-pattern']);
    expect(rules(canary({ 'canary-by-header': 'X-A', 'canary-by-header-pattern': '^a%b$' }))).toEqual([
      'nginx-canary-by-header-pattern',
    ]);
  });

  it('nginx canary/main.go header-value with pattern: the pattern is ignored (warning)', () => {
    const findings = canary({
      'canary-by-header': 'X-A',
      'canary-by-header-value': 'a',
      'canary-by-header-pattern': 'b',
    });
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([['nginx-canary-pattern-ignored', 'warning']]);
  });

  it('nginx canary/main.go header-value or pattern without canary-by-header does nothing', () => {
    const findings = canary({ 'canary-by-header-value': 'a', 'canary-by-header-pattern': 'b' });
    expect(rules(findings)).toEqual([
      'nginx-canary-pattern-ignored',
      'nginx-canary-header-missing',
      'nginx-canary-header-missing',
    ]);
    expect(findings[1]?.field).toBe(field('canary-by-header-value'));
  });

  it('nginx parser/main.go an empty or blank string value is treated as unset (warning)', () => {
    const findings = canary({ 'canary-by-cookie': '  ' });
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([['nginx-empty-value', 'warning']]);
  });
});

/**
 * Each canary finding names its rule, severity and the annotation it is about, so that a tool
 * reading the findings points at the right line: one input per finding, all of its findings.
 */
describe('nginx canary/main.go every canary finding: rule, severity and field', () => {
  it.each<[string, Record<string, string>, [string, string, string][]]>([
    [
      'a weight that is not an integer',
      { 'canary-weight': 'abc' },
      [['nginx-canary-weight', 'error', field('canary-weight')]],
    ],
    [
      'a total that is not an integer',
      { 'canary-weight-total': '1e3' },
      [['nginx-canary-weight-total', 'error', field('canary-weight-total')]],
    ],
    [
      'a total below 100',
      { 'canary-weight-total': '50' },
      [['nginx-canary-weight-total', 'error', field('canary-weight-total')]],
    ],
    [
      'a weight above the total',
      { 'canary-weight': '101' },
      [['nginx-canary-weight', 'error', field('canary-weight')]],
    ],
    [
      'a header name outside the basic characters',
      { 'canary-by-header': 'X-Canary!' },
      [['nginx-canary-by-header', 'error', field('canary-by-header')]],
    ],
    [
      'a cookie name with a space',
      { 'canary-by-cookie': 'canary user' },
      [['nginx-canary-by-cookie', 'error', field('canary-by-cookie')]],
    ],
    [
      'a header value without a header',
      { 'canary-by-header-value': 'yes' },
      [['nginx-canary-header-missing', 'error', field('canary-by-header-value')]],
    ],
    [
      'a header pattern without a header',
      { 'canary-by-header-pattern': '^y$' },
      [['nginx-canary-header-missing', 'error', field('canary-by-header-pattern')]],
    ],
    [
      'a header value and a pattern without a header',
      { 'canary-by-header-value': 'yes', 'canary-by-header-pattern': '^y$' },
      [
        ['nginx-canary-pattern-ignored', 'warning', field('canary-by-header-pattern')],
        ['nginx-canary-header-missing', 'error', field('canary-by-header-value')],
        ['nginx-canary-header-missing', 'error', field('canary-by-header-pattern')],
      ],
    ],
  ])('%s', (_name, extra, expected) => {
    expect(canary(extra).map((f) => [f.rule, f.severity, f.field])).toEqual(expected);
  });

  it('a canary that is not "true" with settings: the finding is on the canary annotation', () => {
    const findings = run({ canary: 'false', 'canary-weight': '10' });
    expect(findings.map((f) => [f.rule, f.severity, f.field])).toEqual([
      ['nginx-canary-not-enabled', 'error', field('canary')],
    ]);
  });

  it('the fix suggests an integer of the right scale, and says what an empty value does', () => {
    expect(canary({ 'canary-weight': 'abc' })[0]?.message).toContain('such as "10" with no spaces');
    expect(canary({ 'canary-weight-total': '1e3' })[0]?.message).toContain('such as "1000" with no spaces');
    expect(canary({ 'canary-weight': '' })[0]?.message).toContain(
      'ingress-nginx would read the empty value as unset and use 0.',
    );
  });
});

describe('nginx mirror/main.go mirror annotations', () => {
  it('nginx mirror/main.go a valid mirror configuration', () => {
    expect(
      run({
        'mirror-target': 'https://test.env.com$request_uri',
        'mirror-host': 'test.env.com',
        'mirror-request-body': 'off',
      }),
    ).toEqual([]);
    expect(
      run({ 'mirror-target': 'http://10.0.0.1:8080/mirror?x=1', 'mirror-request-body': ' on ' }),
    ).toEqual([]);
  });

  it.each([
    ['IamNotAURL', 'it has no scheme'],
    ['mirror.example.com/path', 'it has no scheme'],
    ['https:mirror', 'it has no host'],
    ['https:///path', 'its host is empty'],
    ['https://a..b/', 'its host contains ".."'],
    ['https://host:abc/', 'invalid port ":abc" after host'],
    ['https://ho{st}/', 'rejects a host with'],
    ['ftp://host/', 'nginx can only mirror to http:// or https://'],
  ])('nginx mirror/main.go mirror-target %j is not an absolute URL', (target, why) => {
    const findings = run({ 'mirror-target': target });
    expect(rules(findings)).toEqual(['nginx-mirror-target']);
    expect(findings[0]?.message).toContain(why);
    expect(findings[0]?.message).toContain('mirrored requests go nowhere');
  });

  it.each([
    ['https://a.example.com/%20'],
    ['https://user@host/'],
    ['https://host/#frag'],
    ['https://host/ x'],
  ])('nginx mirror/main.go mirror-target %j has disallowed characters', (target) => {
    const findings = run({ 'mirror-target': target });
    expect(rules(findings)).toEqual(['nginx-mirror-target']);
    expect(findings[0]?.message).toContain('annotation mirror-target contains invalid value');
  });

  it('nginx mirror/main.go invalid mirror-host is replaced by the target host', () => {
    const findings = run({ 'mirror-target': 'https://a.example.com', 'mirror-host': 'b.example.com,c' });
    expect(rules(findings)).toEqual(['nginx-mirror-host']);
    expect(findings[0]?.message).toContain('"annotation mirror-host contains invalid value, defaulting"');
  });

  it.each([['On'], ['true'], ['yes'], ['o ff']])(
    'nginx mirror/main.go mirror-request-body %j becomes on',
    (body) => {
      const findings = run({ 'mirror-target': 'https://a.example.com', 'mirror-request-body': body });
      expect(rules(findings)).toEqual(['nginx-mirror-request-body']);
      expect(findings[0]?.message).toContain('would use "on"');
    },
  );

  it('nginx mirror/main.go mirror annotations on a canary Ingress are ignored (warning)', () => {
    const findings = canary({ 'canary-weight': '5', 'mirror-target': 'bad', 'mirror-request-body': 'off' });
    expect(findings.map((f) => [f.rule, f.severity, f.field])).toEqual([
      ['nginx-mirror-on-canary', 'warning', field('mirror-target')],
      ['nginx-mirror-on-canary', 'warning', field('mirror-request-body')],
    ]);
  });

  it('nginx mirror/main.go mirror-host or mirror-request-body without a target does nothing (warning)', () => {
    expect(rules(run({ 'mirror-request-body': 'off' }))).toEqual(['nginx-mirror-without-target']);
    expect(rules(run({ 'mirror-host': 'a.example.com' }))).toEqual(['nginx-mirror-without-target']);
  });

  it('nginx mirror/main.go mirrorTargetHost derives the host like Go url.Parse + Hostname()', () => {
    expect(mirrorTargetHost('https://test.env.com$request_uri')).toEqual({ host: 'test.env.com' });
    expect(mirrorTargetHost('http://[::1]:8080/x')).toEqual({ host: '::1' });
    expect(mirrorTargetHost('HTTP://Host:/')).toEqual({ host: 'Host' });
    // A bracketed IPv6 host without a port; brackets elsewhere stay part of the host name.
    expect(mirrorTargetHost('http://[::1]/x')).toEqual({ host: '::1' });
    expect(mirrorTargetHost('http://x[]/')).toEqual({ host: 'x[]' });
  });

  it('nginx parser/main.go StringToURL: a port with no host name still has a host', () => {
    // Go (url.Parse, checked with go1.26): Host ":8080", which StringToURL accepts (it rejects
    // only an empty Host or one with ".."), so ingress-nginx keeps this mirror target.
    expect(mirrorTargetHost('http://:8080/x')).not.toHaveProperty('error');
    expect(rules(run({ 'mirror-target': 'http://:8080$request_uri' }))).toEqual([]);
  });

  it('nginx mirror/main.go mirrorTargetHost rejects what Go url.Parse or nginx would', () => {
    // A scheme starts with a letter, at the start of the text.
    expect(mirrorTargetHost('1http://host/')).toEqual({ error: 'it has no scheme (such as https://)' });
    // After a bracketed host only ":port" may follow.
    expect(mirrorTargetHost('http://[::1]x:80/')).toEqual({
      error: `Go's url.Parse rejects it: invalid port "x:80" after host`,
    });
    expect(mirrorTargetHost('xhttp://host/')).toEqual({
      error: 'nginx can only mirror to http:// or https://, not xhttp://',
    });
    expect(mirrorTargetHost('httpx://host/')).toEqual({
      error: 'nginx can only mirror to http:// or https://, not httpx://',
    });
  });
});

describe('nginx parser/main.go annotation prefix', () => {
  it('nginx parser/main.go a custom prefix is honoured', () => {
    expect(run({ canary: 'true', 'canary-weight': '5' }, 'custom.io')).toEqual([]);
    const findings = run({ canary: 'maybe' }, 'custom.io');
    expect(findings[0]?.field).toBe(field('canary', 'custom.io'));
  });

  it('nginx parser/main.go default-prefix annotations under a custom prefix are ignored by the controller (warning)', () => {
    const findings = validateNginxAnnotations(
      ingress({ [`${N}/canary`]: 'true', 'custom.io/canary': 'true', 'custom.io/canary-weight': '5' }),
      { prefix: 'custom.io' },
    );
    expect(findings.map((f) => [f.rule, f.severity, f.field])).toEqual([
      ['nginx-annotation-prefix', 'warning', field('canary')],
    ]);
    expect(findings[0]?.message).toContain(
      "this deployment has a custom annotation prefix defined. Use 'custom.io' instead of 'nginx.ingress.kubernetes.io'",
    );
  });
});

describe('nginx parser/main.go Go integer parsing', () => {
  it('goAtoi follows strconv.Atoi on 64-bit', () => {
    expect(goAtoi('9223372036854775807')).toBe(Number(9223372036854775807n));
    expect(goAtoi('9223372036854775808')).toBeUndefined();
    expect(goAtoi('-0')).toBe(0);
    expect(goAtoi('1_000')).toBeUndefined();
  });
});

describe('property: validateNginxAnnotations never throws and is deterministic', () => {
  const suffixes = [
    'canary',
    'canary-weight',
    'canary-weight-total',
    'canary-by-header',
    'canary-by-header-value',
    'canary-by-header-pattern',
    'canary-by-cookie',
    'mirror-target',
    'mirror-host',
    'mirror-request-body',
  ];
  const value = fc.oneof(
    fc.string(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.constantFrom('true', 'false', '10', '1000', 'https://a.example.com$request_uri', 'on', 'off'),
    fc.anything().map(anyAsText),
  );
  it('on arbitrary values, with and without a custom prefix', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...suffixes), value),
        fc.constantFrom(undefined, 'custom.io'),
        (suffixMap, prefix) => {
          const anns = Object.fromEntries(
            Object.entries(suffixMap).map(([k, v]) => [`${prefix ?? N}/${k}`, v]),
          );
          const first = validateNginxAnnotations(ingress(anns), { prefix });
          expect(validateNginxAnnotations(ingress(anns), { prefix })).toEqual(first);
          for (const f of first) expect(f.message).toMatch(/Fix: /);
        },
      ),
      { numRuns: 500 },
    );
  });
});
