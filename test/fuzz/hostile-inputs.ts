/**
 * Generators for hostile shapes: valid reviews made big, wide or deep at a random place.
 *
 * - long strings in any string field, and long map keys (a key keeps its prefix, so
 *   `alb.ingress.kubernetes.io/actions.<long>` still reaches the annotation parsers);
 * - wide lists (copies or numbered variants of an existing entry) and wide maps (numbered
 *   variants of an existing key);
 * - deep nesting around any value of the body, across the 1000-level limit;
 * - the same three inside the JSON held by an annotation (weight actions, conditions), where
 *   the nesting may go far past the limit because the text is only a string to the body check.
 *
 * Each case names its shape, where it was applied and its size, so a failure or a stall says
 * what to reproduce. Sizes are drawn on a log scale up to the limits of `HostileLimits`.
 */
import fc from 'fast-check';
import type { JsonObject } from '../../src/routing/model.js';
import type { HookKind } from '../../src/webhook/admission/response.js';
import { BASE_REVIEWS, at, pathsOf, reviewOf, setOwn, type Path } from './fuzz-support.js';

type Container = Record<string | number, unknown>;

export type HostileShape = 'long-string' | 'long-key' | 'wide-list' | 'wide-map' | 'deep';

/** The largest size each shape may take. */
export interface HostileLimits {
  /** Characters in one grown string or key. */
  stringLength: number;
  /** Entries in one grown list or map. */
  entries: number;
  /** Levels of nesting added around a value of the body. */
  bodyDepth: number;
  /** Levels of nesting added inside annotation JSON (text: no limit applies before parsing). */
  annotationDepth: number;
}

export interface HostileCase {
  hook: HookKind;
  /** The request body as sent. Deep cases exist only as text: nothing here recurses over them. */
  text: string;
  /** e.g. `wide-list x 4,096 at request.object.spec.rules.0.http.paths` */
  label: string;
}

// -------------------------------------------------------------------------------------------
// Base reviews: the fuzz bases plus Gateway API ones (HTTPRoute and its Rollout)
// -------------------------------------------------------------------------------------------

/** JSON annotations the Ingress parsers read; a case may add one before growing it. */
const JSON_ANNOTATIONS: Record<string, string> = {
  'alb.ingress.kubernetes.io/actions.shop-stable': JSON.stringify({
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [
        { ServiceName: 'shop-canary', ServicePort: '80', Weight: 20 },
        { ServiceName: 'shop-stable', ServicePort: '80', Weight: 80 },
      ],
      TargetGroupStickinessConfig: { Enabled: false },
    },
  }),
  'alb.ingress.kubernetes.io/conditions.shop-stable': JSON.stringify([
    { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'x-canary', values: ['yes'] } },
    { field: 'query-string', queryStringConfig: { values: [{ key: 'v', value: '2' }] } },
  ]),
};

const GATEWAY_STATE = 'examples/gateway-api';

function gatewayReviews(manifests: JsonObject[]): JsonObject[] {
  const find = (kind: string) => structuredClone(manifests.find((m) => m['kind'] === kind)!);
  return [
    reviewOf('uid-route-create', find('HTTPRoute'), 'CREATE', 'gitops'),
    reviewOf('uid-route-update', find('HTTPRoute'), 'UPDATE', 'gitops', find('HTTPRoute')),
    reviewOf('uid-gateway-rollout', find('Rollout'), 'UPDATE', 'gitops', find('Rollout')),
  ];
}

/** Directories the cluster state for hostile cases is read from. */
export const HOSTILE_STATE_PATHS = ['examples/quickstart', GATEWAY_STATE];

export function hostileBases(gatewayManifests: JsonObject[]): JsonObject[] {
  const withJsonAnnotations = BASE_REVIEWS.map((review) => {
    const copy = structuredClone(review);
    const object = (copy['request'] as JsonObject | undefined)?.['object'] as JsonObject | undefined;
    const metadata = object?.['kind'] === 'Ingress' ? (object['metadata'] as JsonObject) : undefined;
    if (metadata)
      metadata['annotations'] = { ...(metadata['annotations'] as JsonObject), ...JSON_ANNOTATIONS };
    return copy;
  });
  return [...BASE_REVIEWS, ...withJsonAnnotations, ...gatewayReviews(gatewayManifests)];
}

// -------------------------------------------------------------------------------------------
// Growing one place
// -------------------------------------------------------------------------------------------

/** Units repeated to fill a string: digits and units reach the number and duration scanners,
 * separators the name, path and key parsers, quotes and brackets the JSON readers. */
const fillUnit = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '1',
      'a',
      '0.',
      '1h',
      '1.5m',
      '-',
      'a-',
      '/',
      '/a',
      '.',
      ' ',
      '%',
      '*',
      '\\',
      '"',
      '{"a":',
      '[',
      '🙂',
      '\u0000',
      'é',
    ),
  },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 4 }) },
);

/** A size on a log scale (as many small cases as big ones), and the largest size one time in four. */
const logSize = (max: number) =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .integer({ min: 1, max: Math.max(1, Math.ceil(Math.log2(max))) })
        .chain((k) => fc.integer({ min: 2 ** (k - 1), max: Math.min(2 ** k, max) })),
    },
    { weight: 1, arbitrary: fc.constant(max) },
  );

interface Growth {
  shape: HostileShape;
  /** Picks the place among the candidates, modulo their number. */
  at: number;
  size: number;
  unit: string;
  /** Keep the original text in front of the filler (prefix-sensitive parsers). */
  keepPrefix: boolean;
  /** Wide lists: numbered variants (true) or exact copies (false, the duplicate checks). */
  numbered: boolean;
}

function isMap(value: unknown): value is Container {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function filler(g: Growth, original: string): string {
  const fill = g.unit.repeat(Math.ceil(g.size / g.unit.length)).slice(0, g.size);
  return g.keepPrefix ? original + fill : fill;
}

/** A copy of `entry` whose strings at the top level carry the number `i`. */
function numberedVariant(entry: unknown, i: number): unknown {
  if (typeof entry === 'string') return `${entry}-${i}`;
  if (!isMap(entry)) return structuredClone(entry);
  const copy = structuredClone(entry);
  for (const key of Object.keys(copy)) if (typeof copy[key] === 'string') copy[key] = `${copy[key]}-${i}`;
  return copy;
}

function candidates(root: unknown, shape: HostileShape, inside: (path: Path) => boolean): Path[] {
  return pathsOf(root).filter((path) => {
    if (!inside(path)) return false;
    const value = at(root, path);
    switch (shape) {
      case 'long-string':
        return typeof value === 'string';
      case 'long-key':
      case 'wide-map':
        return isMap(value) && Object.keys(value).length > 0;
      case 'wide-list':
        return Array.isArray(value) && value.length > 0;
      case 'deep':
        return path.length > 0;
    }
  });
}

interface Grown {
  where: string;
  /** For `deep`: the JSON text of the value that DEEP_MARK replaced, to be nested by `nestInText`. */
  deepValue?: string;
}

/** Grows one place of `root` in place (the root itself is never replaced). */
function grow(root: unknown, g: Growth, inside: (path: Path) => boolean): Grown | undefined {
  const places = candidates(root, g.shape, inside);
  if (places.length === 0) return undefined;
  const path = places[g.at % places.length]!;
  const value = at(root, path);
  const parent = path.length > 0 ? (at(root, path.slice(0, -1)) as Container) : undefined;
  const key = path.at(-1);
  const where = path.join('.');
  switch (g.shape) {
    case 'long-string':
      setOwn(parent!, key!, filler(g, value as string));
      break;
    case 'long-key': {
      const map = value as Container;
      const keys = Object.keys(map);
      const old = keys[g.at % keys.length]!;
      const entry = map[old];
      delete map[old];
      setOwn(map, filler(g, old), entry);
      break;
    }
    case 'wide-list': {
      const list = value as unknown[];
      const seeds = list.slice();
      for (let i = list.length; i < g.size; i++) {
        const seed = seeds[i % seeds.length];
        list.push(g.numbered ? numberedVariant(seed, i) : structuredClone(seed));
      }
      break;
    }
    case 'wide-map': {
      const map = value as Container;
      const seeds = Object.entries(map);
      for (let i = seeds.length; i < g.size; i++) {
        const [seedKey, seedValue] = seeds[i % seeds.length]!;
        setOwn(map, `${seedKey}-${i}`, structuredClone(seedValue));
      }
      break;
    }
    case 'deep':
      // Marked here and nested in the text (`nestInText`): deep values are never built as
      // objects, which JSON.stringify and structuredClone would walk recursively.
      setOwn(parent!, key!, DEEP_MARK);
      return { where, deepValue: JSON.stringify(value) };
  }
  return { where };
}

const DEEP_MARK = '\u0001deep\u0001';

/** `text` with the mark replaced by `value` nested `depth` levels deep, arrays and objects in turn. */
function nestInText(text: string, grown: Grown, depth: number): string {
  if (grown.deepValue === undefined) return text;
  const quoted = JSON.stringify(DEEP_MARK);
  const at = text.indexOf(quoted);
  const opens: string[] = [];
  const closes: string[] = [];
  for (let i = 0; i < depth; i++) {
    opens.push(i % 2 === 0 ? '[' : '{"v":');
    closes.push(i % 2 === 0 ? ']' : '}');
  }
  return (
    text.slice(0, at) +
    opens.join('') +
    grown.deepValue +
    closes.reverse().join('') +
    text.slice(at + quoted.length)
  );
}

const growth = (limits: HostileLimits, inAnnotation: boolean): fc.Arbitrary<Growth> =>
  fc.constantFrom<HostileShape>('long-string', 'long-key', 'wide-list', 'wide-map', 'deep').chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      at: fc.nat(),
      size: logSize(
        shape === 'deep'
          ? inAnnotation
            ? limits.annotationDepth
            : limits.bodyDepth
          : shape === 'wide-list' || shape === 'wide-map'
            ? limits.entries
            : limits.stringLength,
      ),
      unit: fillUnit,
      keepPrefix: fc.boolean(),
      numbered: fc.boolean(),
    }),
  );

/** Only the objects under review: the envelope is checked first and would refuse early. */
const inObjects = (path: Path) => path[0] === 'request' && (path[1] === 'object' || path[1] === 'oldObject');

/** Grows a place inside the JSON of one annotation that holds JSON; undefined if there is none. */
function growInAnnotation(review: unknown, g: Growth, pick: number): Grown | undefined {
  const holders = pathsOf(review).filter(
    (path) =>
      inObjects(path) &&
      path.length === 5 &&
      path[2] === 'metadata' &&
      path[3] === 'annotations' &&
      /^\s*[[{]/.test(String(at(review, path))),
  );
  if (holders.length === 0) return undefined;
  const path = holders[pick % holders.length]!;
  const parent = at(review, path.slice(0, -1)) as Container;
  let parsed: unknown;
  try {
    parsed = JSON.parse(parent[path[4]!] as string);
  } catch {
    return undefined;
  }
  // The parsed JSON's root may be the place itself: wrap it so every place has a parent.
  const box = { json: parsed };
  const grown = grow(box, g, (p) => p.length > 0);
  if (grown === undefined) return undefined;
  parent[path[4]!] = nestInText(JSON.stringify(box.json), grown, g.size);
  return { where: `${path.join('.')} (JSON) ${grown.where.replace(/^json\.?/, '')}` };
}

interface CaseSpec {
  hook: HookKind;
  base: JsonObject;
  inAnnotation: boolean;
  pick: number;
  g: Growth;
}

function buildCase({ hook, base, inAnnotation, pick, g }: CaseSpec): HostileCase {
  const body = structuredClone(base);
  const grown = (inAnnotation && growInAnnotation(body, g, pick)) ||
    grow(body, g, inObjects) || { where: 'nowhere' };
  const text = nestInText(JSON.stringify(body), grown, g.size);
  return { hook, text, label: `${g.shape} x ${g.size.toLocaleString('en-US')} at ${grown.where} (${hook})` };
}

/** One base review grown in one place, in the body or in annotation JSON. */
export function hostileCase(bases: readonly JsonObject[], limits: HostileLimits): fc.Arbitrary<HostileCase> {
  return fc
    .record({
      hook: fc.constantFrom<HookKind>('mutate', 'validate'),
      base: fc.nat(bases.length - 1).map((i) => bases[i]!),
      inAnnotation: fc.boolean(),
      pick: fc.nat(),
    })
    .chain((c) => growth(limits, c.inAnnotation).map((g) => ({ ...c, g })))
    .map(buildCase);
}

/**
 * A case grown at a named place of the body (`where` as the labels print it), filled with
 * `unit`: fixed examples that every run includes, whatever the seed draws.
 */
export function hostileCaseAt(
  hook: HookKind,
  base: JsonObject,
  shape: HostileShape,
  where: string,
  size: number,
  unit = 'a',
): HostileCase {
  const at = candidates(base, shape, inObjects).findIndex((path) => path.join('.') === where);
  if (at < 0) throw new Error(`no place ${where} for ${shape} in the base review`);
  const g: Growth = { shape, at, size, unit, keepPrefix: false, numbered: true };
  return buildCase({ hook, base, inAnnotation: false, pick: 0, g });
}
