/**
 * The exact finding, message included, for each branch of `validateNginxAnnotations`: what
 * ingress-nginx would do with the value (its log lines are quoted from kubernetes/ingress-nginx
 * controller-v1.15.1, internal/ingress/annotations/canary/main.go, mirror/main.go and
 * parser/main.go) and the fix. Every expected message is written out here, not built from the
 * code's own pieces, so a changed word, value or fix fails a test.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/routing/model.js';
import { validateNginxAnnotations } from '../../../src/routing/nginx/index.js';

const N = 'nginx.ingress.kubernetes.io';
const BASIC = 'letters, digits and - . _ ~ / :';
const REGEX =
  'letters, digits, - . _ ~ / : and the regex characters ^ $ [ ] ( ) { } * + ? | & = \\ (no spaces)';

function findings(suffixes: Record<string, string>, prefix?: string): Finding[] {
  const annotations = Object.fromEntries(
    Object.entries(suffixes).map(([k, v]) => [`${prefix ?? N}/${k}`, v]),
  );
  return validateNginxAnnotations(
    { namespace: 'shop', name: 'web-canary', annotations, backends: [] },
    { prefix },
  );
}

/** A finding on the annotation `<prefix>/<suffix>` of shop/web-canary. */
function finding(severity: Finding['severity'], rule: string, suffix: string, message: string): Finding {
  return {
    severity,
    rule: rule as Finding['rule'],
    field: `metadata.annotations[${JSON.stringify(`${N}/${suffix}`)}]`,
    message,
    ingress: 'shop/web-canary',
  };
}

describe('canary: the value ingress-nginx would default, message included', () => {
  it.each<[string, Record<string, string>, Finding[]]>([
    [
      'canary that Go ParseBool rejects',
      { canary: 'yes' },
      [
        finding(
          'error',
          'nginx-canary',
          'canary',
          `${N}/canary is "yes", which Go's strconv.ParseBool does not accept; ingress-nginx would log "canary is invalid, defaulting to 'false'" and treat this as an ordinary (non-canary) Ingress. Fix: write "true" (or "false"), with no spaces.`,
        ),
      ],
    ],
    [
      'an empty canary',
      { canary: '' },
      [
        finding(
          'error',
          'nginx-canary',
          'canary',
          `${N}/canary is "", which Go's strconv.ParseBool does not accept; ingress-nginx would read the empty value as false and treat this as an ordinary (non-canary) Ingress. Fix: write "true" (or "false"), with no spaces.`,
        ),
      ],
    ],
    [
      'a weight that Atoi rejects',
      { canary: 'true', 'canary-weight': 'abc' },
      [
        finding(
          'error',
          'nginx-canary-weight',
          'canary-weight',
          `${N}/canary-weight is "abc", which is not a plain decimal integer (Go strconv.Atoi); ingress-nginx would log "canary-weight is invalid, defaulting to '0'" and use 0. Fix: write an integer such as "10" with no spaces, decimals or exponent.`,
        ),
      ],
    ],
    [
      'an empty total',
      { canary: 'true', 'canary-weight-total': '' },
      [
        finding(
          'error',
          'nginx-canary-weight-total',
          'canary-weight-total',
          `${N}/canary-weight-total is "", which is not a plain decimal integer (Go strconv.Atoi); ingress-nginx would read the empty value as unset and use 100. Fix: write an integer such as "1000" with no spaces, decimals or exponent.`,
        ),
      ],
    ],
    [
      // The weight in the sentence is the one ingress-nginx would use: 0 when it is unset.
      'a total below 100 without a weight',
      { canary: 'true', 'canary-weight-total': '50' },
      [
        finding(
          'error',
          'nginx-canary-weight-total',
          'canary-weight-total',
          `${N}/canary-weight-total is 50; ingress-nginx uses the total only when it is above 100 and otherwise silently divides by 100, so canary-weight 0 would mean 0% instead of 0/50. Fix: use a total above 100 (e.g. 1000 for 0.1% steps), or drop it and express the weight in percent.`,
        ),
      ],
    ],
    [
      // ...and 0 as well when the weight does not parse.
      'a total below 100 with a weight that does not parse',
      { canary: 'true', 'canary-weight': '5%', 'canary-weight-total': '50' },
      [
        finding(
          'error',
          'nginx-canary-weight',
          'canary-weight',
          `${N}/canary-weight is "5%", which is not a plain decimal integer (Go strconv.Atoi); ingress-nginx would log "canary-weight is invalid, defaulting to '0'" and use 0. Fix: write an integer such as "10" with no spaces, decimals or exponent.`,
        ),
        finding(
          'error',
          'nginx-canary-weight-total',
          'canary-weight-total',
          `${N}/canary-weight-total is 50; ingress-nginx uses the total only when it is above 100 and otherwise silently divides by 100, so canary-weight 0 would mean 0% instead of 0/50. Fix: use a total above 100 (e.g. 1000 for 0.1% steps), or drop it and express the weight in percent.`,
        ),
      ],
    ],
    [
      'a weight above the total',
      { canary: 'true', 'canary-weight': '101' },
      [
        finding(
          'error',
          'nginx-canary-weight',
          'canary-weight',
          `${N}/canary-weight is 101, outside 0..100 (the effective canary-weight-total); ingress-nginx does not check the range and would send all traffic to the canary. Fix: use a weight from 0 to 100.`,
        ),
      ],
    ],
    [
      'a negative weight',
      { canary: 'true', 'canary-weight': '-1' },
      [
        finding(
          'error',
          'nginx-canary-weight',
          'canary-weight',
          `${N}/canary-weight is -1, outside 0..100 (the effective canary-weight-total); ingress-nginx does not check the range and would send no traffic to the canary. Fix: use a weight from 0 to 100.`,
        ),
      ],
    ],
    [
      'settings without canary "true"',
      { canary: 'false', 'canary-weight': '10' },
      [
        finding(
          'error',
          'nginx-canary-not-enabled',
          'canary',
          `canary settings are present but ${N}/canary is not "true"; ingress-nginx would fail with "the annotation canary does not contain a valid configuration: configured but not enabled", ignore that, and serve this Ingress as an ordinary one. Fix: set ${N}/canary: "true", or remove the canary settings.`,
        ),
      ],
    ],
  ])('%s', (_name, annotations, expected) => {
    expect(findings(annotations)).toEqual(expected);
  });
});

describe('canary: header, value, pattern and cookie, message included', () => {
  it.each<[string, Record<string, string>, Finding[]]>([
    [
      'a header name outside the basic characters',
      { canary: 'true', 'canary-by-header': 'X-Canary!' },
      [
        finding(
          'error',
          'nginx-canary-by-header',
          'canary-by-header',
          `${N}/canary-by-header is "X-Canary!", which has characters outside ${BASIC}; ingress-nginx would log "validation error on ingress shop/web-canary: annotation canary-by-header contains invalid value X-Canary!" and "canary-by-header is invalid, defaulting to ''", so this canary rule would silently not exist. Fix: use only ${BASIC}.`,
        ),
      ],
    ],
    [
      // ingress-nginx drops the invalid header name, so the value has no header to go with.
      'a header value with an invalid header name',
      { canary: 'true', 'canary-by-header': 'X-Canary!', 'canary-by-header-value': 'yes' },
      [
        finding(
          'error',
          'nginx-canary-by-header',
          'canary-by-header',
          `${N}/canary-by-header is "X-Canary!", which has characters outside ${BASIC}; ingress-nginx would log "validation error on ingress shop/web-canary: annotation canary-by-header contains invalid value X-Canary!" and "canary-by-header is invalid, defaulting to ''", so this canary rule would silently not exist. Fix: use only ${BASIC}.`,
        ),
        finding(
          'error',
          'nginx-canary-header-missing',
          'canary-by-header-value',
          `${N}/canary-by-header-value has no effect without a valid ${N}/canary-by-header: ingress-nginx only looks at the header named there. Fix: set canary-by-header to the header name.`,
        ),
      ],
    ],
    [
      // A pattern is checked with its spaces (IsValidRegex), unlike the names and the value.
      'a header pattern with a space',
      { canary: 'true', 'canary-by-header': 'X-A', 'canary-by-header-pattern': '^a b$' },
      [
        finding(
          'error',
          'nginx-canary-by-header-pattern',
          'canary-by-header-pattern',
          `${N}/canary-by-header-pattern is "^a b$", which has characters outside ${REGEX}; ingress-nginx would log "validation error on ingress shop/web-canary: annotation canary-by-header-pattern contains invalid value ^a b$" and "canary-by-header-pattern is invalid, defaulting to ''", so this canary rule would silently not exist. Fix: use only ${REGEX}.`,
        ),
      ],
    ],
    [
      'a header name with an inner space',
      { canary: 'true', 'canary-by-header': 'X Canary' },
      [
        finding(
          'error',
          'nginx-canary-by-header',
          'canary-by-header',
          `${N}/canary-by-header is "X Canary"; ingress-nginx ignores the spaces when it validates the value but keeps them in the name it matches, so no request header can ever match. Fix: remove the spaces.`,
        ),
      ],
    ],
    [
      'a cookie name with an inner space',
      { canary: 'true', 'canary-by-cookie': 'my cookie' },
      [
        finding(
          'error',
          'nginx-canary-by-cookie',
          'canary-by-cookie',
          `${N}/canary-by-cookie is "my cookie"; ingress-nginx ignores the spaces when it validates the value but keeps them in the name it matches, so no request cookie can ever match. Fix: remove the spaces.`,
        ),
      ],
    ],
    [
      'a blank cookie name',
      { canary: 'true', 'canary-by-cookie': '  ' },
      [
        finding(
          'warning',
          'nginx-empty-value',
          'canary-by-cookie',
          `${N}/canary-by-cookie is empty (or only whitespace); ingress-nginx treats it as not set. Fix: give it a value or remove it.`,
        ),
      ],
    ],
    [
      'a header value and a pattern',
      {
        canary: 'true',
        'canary-by-header': 'X-A',
        'canary-by-header-value': 'a',
        'canary-by-header-pattern': 'b',
      },
      [
        finding(
          'warning',
          'nginx-canary-pattern-ignored',
          'canary-by-header-pattern',
          `${N}/canary-by-header-pattern is ignored because ${N}/canary-by-header-value is set. Fix: keep only one of them.`,
        ),
      ],
    ],
    [
      'a header pattern alone, without a header',
      { canary: 'true', 'canary-by-header-pattern': '^y$' },
      [
        finding(
          'error',
          'nginx-canary-header-missing',
          'canary-by-header-pattern',
          `${N}/canary-by-header-pattern has no effect without a valid ${N}/canary-by-header: ingress-nginx only looks at the header named there. Fix: set canary-by-header to the header name.`,
        ),
      ],
    ],
  ])('%s', (_name, annotations, expected) => {
    expect(findings(annotations)).toEqual(expected);
  });
});

describe('mirror: message, severity and field of each finding', () => {
  it.each<[string, Record<string, string>, Finding[]]>([
    [
      'a target with characters outside the regex set',
      { 'mirror-target': 'https://host/#frag' },
      [
        finding(
          'error',
          'nginx-mirror-target',
          'mirror-target',
          `${N}/mirror-target is "https://host/#frag", which has characters outside ${REGEX}; ingress-nginx would log "validation error on ingress shop/web-canary: annotation mirror-target contains invalid value https://host/#frag" and drop the target but keep the mirror directive, so mirrored requests go nowhere. Fix: use an absolute URL such as "https://mirror.example.com$request_uri" without % @ # , ! ' or spaces.`,
        ),
      ],
    ],
    [
      'a target with a scheme nginx cannot mirror to',
      { 'mirror-target': 'ftp://host/' },
      [
        finding(
          'error',
          'nginx-mirror-target',
          'mirror-target',
          `${N}/mirror-target is "ftp://host/", which is not an absolute URL: nginx can only mirror to http:// or https://, not ftp://. ingress-nginx would accept it but generate no mirror location, so mirrored requests go nowhere. Fix: write scheme://host..., e.g. "https://mirror.example.com$request_uri".`,
        ),
      ],
    ],
    [
      // ValidateServerName trims the whole value, so the check passes; normalizeString trims each
      // line but keeps the line break, and Go's url.Parse rejects the control character.
      'a target after an empty first line',
      { 'mirror-target': '\nhttps://mirror.example.com' },
      [
        finding(
          'error',
          'nginx-mirror-target',
          'mirror-target',
          `${N}/mirror-target is "\\nhttps://mirror.example.com", which is not an absolute URL: it has no scheme (such as https://). ingress-nginx would accept it but generate no mirror location, so mirrored requests go nowhere. Fix: write scheme://host..., e.g. "https://mirror.example.com$request_uri".`,
        ),
      ],
    ],
    [
      'an invalid host, with a target',
      { 'mirror-target': 'https://a.example.com', 'mirror-host': 'b.example.com,c' },
      [
        finding(
          'error',
          'nginx-mirror-host',
          'mirror-host',
          `${N}/mirror-host is "b.example.com,c", which has characters outside ${REGEX}; ingress-nginx would log "annotation mirror-host contains invalid value, defaulting" and send the host of mirror-target instead. Fix: use a plain host name such as "mirror.example.com".`,
        ),
      ],
    ],
    [
      'a request-body value other than on or off, with a target and a host',
      {
        'mirror-target': 'https://a.example.com',
        'mirror-host': 'a.example.com',
        'mirror-request-body': 'yes',
      },
      [
        finding(
          'error',
          'nginx-mirror-request-body',
          'mirror-request-body',
          `${N}/mirror-request-body is "yes"; ingress-nginx accepts only "on" or "off" (case-sensitive) and would use "on", mirroring request bodies. Fix: write "on" or "off".`,
        ),
      ],
    ],
    [
      // The warning points at the host when there is one, else at the request-body setting.
      'a host and a request-body setting without a target',
      { 'mirror-host': 'a.example.com', 'mirror-request-body': 'off' },
      [
        finding(
          'warning',
          'nginx-mirror-without-target',
          'mirror-host',
          `mirror settings without ${N}/mirror-target do nothing. Fix: add mirror-target or remove them.`,
        ),
      ],
    ],
    [
      'a request-body setting alone',
      { 'mirror-request-body': 'off' },
      [
        finding(
          'warning',
          'nginx-mirror-without-target',
          'mirror-request-body',
          `mirror settings without ${N}/mirror-target do nothing. Fix: add mirror-target or remove them.`,
        ),
      ],
    ],
    [
      'all three on a canary Ingress',
      {
        canary: 'true',
        'mirror-target': 'https://a.example.com',
        'mirror-host': 'a.example.com',
        'mirror-request-body': 'off',
      },
      ['mirror-target', 'mirror-host', 'mirror-request-body'].map((suffix) =>
        finding(
          'warning',
          'nginx-mirror-on-canary',
          suffix,
          `${N}/${suffix} is ignored on a canary Ingress: ingress-nginx takes all non-canary annotations from the main Ingress. Fix: put the mirror annotations on the main Ingress.`,
        ),
      ),
    ],
  ])('%s', (_name, annotations, expected) => {
    expect(findings(annotations)).toEqual(expected);
  });

  it('values with spaces around them are trimmed as ingress-nginx normalizeString does', () => {
    expect(
      findings({
        'mirror-target': ' https://mirror.example.com ',
        'mirror-host': ' mirror.example.com ',
        'mirror-request-body': ' off ',
      }),
    ).toEqual([]);
  });

  it('an empty target is unset for ingress-nginx, not a malformed URL', () => {
    expect(findings({ 'mirror-target': '' })).toEqual([]);
    expect(findings({ 'mirror-target': '  ' })).toEqual([]);
  });
});

describe('annotation prefix: message and order', () => {
  it('each default-prefix annotation under a custom prefix, in key order, with its rewritten key', () => {
    const annotations = { [`${N}/canary-weight`]: '5', [`${N}/canary`]: 'true', 'custom.io/canary': 'true' };
    const ingress = { namespace: 'shop', name: 'web-canary', annotations, backends: [] };
    const expected = ['canary', 'canary-weight'].map((suffix) =>
      finding(
        'warning',
        'nginx-annotation-prefix',
        suffix,
        `${N}/${suffix} uses the default prefix, but the controller is expected to run with --annotations-prefix=custom.io; it would ignore this annotation, and its admission webhook rejects it with "this deployment has a custom annotation prefix defined. Use 'custom.io' instead of 'nginx.ingress.kubernetes.io'". Fix: write it as custom.io/${suffix}.`,
      ),
    );
    expect(validateNginxAnnotations(ingress, { prefix: 'custom.io' })).toEqual(expected);
  });
});
