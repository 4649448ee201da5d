import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAlbAction, parseAlbConditions } from '../../../src/routing/alb/parse-annotations.js';
import { validateAlbAnnotations } from '../../../src/routing/alb/index.js';
import { parseGoJson } from '../../../src/routing/go/json-decode.js';
import { parseIngress } from '../../../src/routing/wire/index.js';
import { validateNginxAnnotations } from '../../../src/routing/nginx/index.js';
import type { IngressBackend } from '../../../src/routing/model.js';
import { P, anyAsText, backend, ingress, lookupService } from './check-helpers.js';
import { expectWellFormedFindings } from '../finding-shape.js';

const suffixes = [
  'actions.web',
  'conditions.web',
  'actions.other',
  'conditions.hdr',
  'group.name',
  'group.order',
];

/** Annotation values: arbitrary text, arbitrary JSON, and JSON of arbitrary JS values. */
const annotationValue = fc.oneof(
  fc.string(),
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.anything().map(anyAsText),
);

const annotations = fc.dictionary(
  fc.constantFrom(...suffixes).map((s) => `${P}/${s}`),
  annotationValue,
);

const backends = fc.array(
  fc.record({
    host: fc.option(fc.constantFrom('a.example.com', '*.example.com'), { nil: undefined }),
    path: fc.option(fc.constantFrom('/', '/api', '/a*', '/x?'), { nil: undefined }),
    pathType: fc.option(fc.constantFrom('Prefix', 'Exact', 'ImplementationSpecific', 'Other'), {
      nil: undefined,
    }),
    serviceName: fc.option(fc.constantFrom('web', 'hdr', 'canary-svc'), { nil: undefined }),
    portName: fc.option(fc.constantFrom('use-annotation', 'http'), { nil: undefined }),
  }),
  { maxLength: 4 },
);

/**
 * A finding points at an annotation it was given or one a `use-annotation` backend needs, or
 * at the Ingress spec.
 */
function expectAboutTheInput(field: string, keys: string[]): void {
  const annotation = /^metadata\.annotations\["(.*)"\]/.exec(field);
  if (annotation) expect(keys).toContain(JSON.parse(`"${annotation[1]}"`));
  else expect(field).toMatch(/^spec\./);
}

describe('property: validators never throw, and every finding is well-formed and about the input', () => {
  it('validateAlbAnnotations on arbitrary annotation values and paths', () => {
    fc.assert(
      fc.property(annotations, backends, (anns, bs) => {
        const paths: IngressBackend[] = bs.map((b, i) => backend({ ...b, pathIndex: i }));
        const findings = validateAlbAnnotations(ingress(anns, paths), lookupService, {
          extraPrefixes: ['custom'],
        });
        expectWellFormedFindings(findings);
        const services = bs.flatMap((b) => (b.serviceName ? [`${P}/actions.${b.serviceName}`] : []));
        for (const f of findings) expectAboutTheInput(f.field, [...Object.keys(anns), ...services]);
      }),
      { numRuns: 300 },
    );
  });

  it('wire Ingresses with arbitrary annotation values (fc.anything) go through parse and both validators', () => {
    const keys = [
      ...suffixes.map((s) => `${P}/${s}`),
      'nginx.ingress.kubernetes.io/canary',
      'nginx.ingress.kubernetes.io/mirror-target',
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), fc.anything()), (anns) => {
        const wire = {
          metadata: { name: 'web', namespace: 'shop', annotations: anns },
          spec: {
            rules: [
              {
                host: 'a.example.com',
                http: {
                  paths: [
                    {
                      path: '/',
                      pathType: 'Prefix',
                      backend: { service: { name: 'web', port: { name: 'use-annotation' } } },
                    },
                  ],
                },
              },
            ],
          },
        };
        const parsed = parseIngress(wire);
        expect(parsed.value).toBeDefined();
        const ing = parsed.value as NonNullable<typeof parsed.value>;
        const findings = [...validateAlbAnnotations(ing, lookupService), ...validateNginxAnnotations(ing)];
        expectWellFormedFindings(findings);
        for (const f of findings) expectAboutTheInput(f.field, [...Object.keys(anns), `${P}/actions.web`]);
      }),
      { numRuns: 300 },
    );
  });

  it('parseAlbAction / parseAlbConditions return a value or an error, never throw', () => {
    fc.assert(
      fc.property(annotationValue, (raw) => {
        for (const result of [parseAlbAction('k', raw), parseAlbConditions('k', raw)]) {
          expect('value' in result !== 'error' in result).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('property: LBC config_types.go syntax acceptance matches JSON', () => {
  it('Go accepts exactly the texts JSON.parse accepts', () => {
    const text = fc.oneof(
      fc.string(),
      fc.json(),
      fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
    );
    fc.assert(
      fc.property(text, (t) => {
        let jsOk = true;
        try {
          JSON.parse(t);
        } catch {
          jsOk = false;
        }
        expect('node' in parseGoJson(t)).toBe(jsOk);
      }),
      { numRuns: 1000 },
    );
  });

  it('very deep nesting is refused like Go (max depth 10000) without a stack overflow', () => {
    expect(parseGoJson('['.repeat(10001))).toEqual({ error: "invalid character '[' exceeded max depth" });
    expect(parseGoJson(`${'['.repeat(10000)}${']'.repeat(10000)}`)).toHaveProperty('node');
    expect(parseAlbAction('k', '['.repeat(200000))).toHaveProperty('error');
  });
});

describe('property: LBC config_types.go key case does not matter', () => {
  const flipCase = (s: string, mask: boolean[]) =>
    [...s].map((c, i) => (mask[i % mask.length] ? c.toUpperCase() : c.toLowerCase())).join('');

  it('any casing of the keys decodes to the same action', () => {
    const keys = [
      'type',
      'forwardConfig',
      'targetGroups',
      'serviceName',
      'servicePort',
      'weight',
      'targetGroupStickinessConfig',
      'enabled',
      'durationSeconds',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 999 }),
        (mask, weight) => {
          const [t, fc_, tgs, sn, sp, w, st, en, ds] = keys.map((k) => flipCase(k, mask));
          const raw = `{"${t}":"forward","${fc_}":{"${tgs}":[{"${sn}":"canary-svc","${sp}":"443","${w}":${weight}}],"${st}":{"${en}":true,"${ds}":60}}}`;
          expect(parseAlbAction('k', raw)).toEqual({
            value: {
              type: 'forward',
              forwardConfig: {
                targetGroups: [{ serviceName: 'canary-svc', servicePort: 443, weight }],
                targetGroupStickinessConfig: { enabled: true, durationSeconds: 60 },
              },
            },
          });
        },
      ),
    );
  });

  it('the type value itself stays case-sensitive', () => {
    fc.assert(
      fc.property(fc.constantFrom('Forward', 'FORWARD', 'forwarD'), (type) => {
        const findings = validateAlbAnnotations(
          ingress({ [`${P}/actions.web`]: `{"type":"${type}","targetGroupName":"x"}` }),
          lookupService,
        );
        expect(findings.map((f) => f.rule)).toEqual(['alb-action-type']);
      }),
    );
  });
});
