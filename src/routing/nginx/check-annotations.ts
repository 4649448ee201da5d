/**
 * Validation of ingress-nginx canary and mirror annotations (nginx parser/main.go, canary/main.go, mirror/main.go).
 *
 * ingress-nginx never rejects a bad canary or mirror value: it logs a warning and silently
 * substitutes a default (or ignores the annotation). So everything it would default or
 * mishandle is an error here, with a message that says what ingress-nginx would do instead.
 * Assumes ingress-nginx's defaults (`--enable-annotation-validation=true`).
 */
import type { RuleId } from '../findings/index.js';
import { goAtoi } from '../go/index.js';
import { FindingList, annotationField } from '../findings/index.js';
import type { Finding, Ingress } from '../model.js';
import { DEFAULT_NGINX_PREFIX } from '../keys.js';

export interface NginxAnnotationOptions {
  /** The controller's `--annotations-prefix` (a Rollout's `nginx.annotationPrefix`). */
  prefix?: string;
}

/** `[A-Za-z0-9-._~/:]`, ingress-nginx BasicCharsRegex. */
const BASIC_CHARS = /^[/\-._~a-zA-Z0-9:]*$/;
/** BasicChars plus `^ $ [ ] ( ) { } * + ? | & = \`, ingress-nginx IsValidRegex. */
const REGEX_CHARS = /^[/\-._~a-zA-Z0-9:^$[\](){}*+?|&=\\]*$/;
const PARSE_BOOL: Record<string, boolean> = Object.fromEntries([
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((v) => [v, true]),
  ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((v) => [v, false]),
]);
const DEFAULT_TOTAL = 100;

/** ingress-nginx normalizeString: every line trimmed. */
function normalise(value: string): string {
  return value
    .split('\n')
    .map((line) => line.trim())
    .join('\n');
}

interface Context {
  out: FindingList;
  annotations: Record<string, string>;
  prefix: string;
  ingressName: string;
}

function key(ctx: Context, suffix: string): string {
  return `${ctx.prefix}/${suffix}`;
}

function value(ctx: Context, suffix: string): string | undefined {
  return ctx.annotations[key(ctx, suffix)];
}

function report(
  ctx: Context,
  severity: 'error' | 'warning',
  suffix: string,
  rule: RuleId,
  message: string,
): void {
  ctx.out.add(severity, rule, annotationField(key(ctx, suffix)), message);
}

/** The rule of each canary annotation's value check, by annotation suffix. */
const CANARY_VALUE_RULES = {
  'canary-weight': 'nginx-canary-weight',
  'canary-weight-total': 'nginx-canary-weight-total',
  'canary-by-header': 'nginx-canary-by-header',
  'canary-by-header-value': 'nginx-canary-by-header-value',
  'canary-by-header-pattern': 'nginx-canary-by-header-pattern',
  'canary-by-cookie': 'nginx-canary-by-cookie',
} as const satisfies Record<string, RuleId>;
type CanaryValueSuffix = keyof typeof CANARY_VALUE_RULES;

/** What ingress-nginx logs when a value fails validation. */
function validationLog(ctx: Context, suffix: string, raw: string): string {
  return `validation error on ingress ${ctx.ingressName}: annotation ${suffix} contains invalid value ${raw}`;
}

// ---------------------------------------------------------------------------------------
// Canary
// ---------------------------------------------------------------------------------------

interface CanaryConfig {
  enabled: boolean;
  weight: number;
  total: number;
  header: string;
  headerValue: string;
  headerPattern: string;
  cookie: string;
}

function readCanaryBool(ctx: Context): boolean {
  const raw = value(ctx, 'canary');
  if (raw === undefined) return false;
  const parsed = PARSE_BOOL[raw];
  if (parsed !== undefined) return parsed;
  const outcome =
    raw === ''
      ? 'would read the empty value as false'
      : `would log "canary is invalid, defaulting to 'false'"`;
  report(
    ctx,
    'error',
    'canary',
    'nginx-canary',
    `${key(ctx, 'canary')} is ${JSON.stringify(raw)}, which Go's strconv.ParseBool does not accept; ingress-nginx ${outcome} and treat this as an ordinary (non-canary) Ingress. Fix: write "true" (or "false"), with no spaces.`,
  );
  return false;
}

function readCanaryInt(
  ctx: Context,
  suffix: CanaryValueSuffix,
  fallback: number,
): { value: number; valid: boolean } {
  const raw = value(ctx, suffix);
  // Equivalent mutant (mutation testing, README): `valid` is read only for canary-weight-total,
  // whose fallback (100) is never below 100, so an unset or unparsed total reports nothing either way.
  // Stryker disable next-line BooleanLiteral: equivalent, valid is read only with fallback 100
  if (raw === undefined) return { value: fallback, valid: false };
  const parsed = goAtoi(raw);
  if (parsed !== undefined) return { value: parsed, valid: true };
  const outcome =
    raw === ''
      ? 'would read the empty value as unset'
      : `would log "${suffix} is invalid, defaulting to '${fallback}'"`;
  report(
    ctx,
    'error',
    suffix,
    CANARY_VALUE_RULES[suffix],
    `${key(ctx, suffix)} is ${JSON.stringify(raw)}, which is not a plain decimal integer (Go strconv.Atoi); ingress-nginx ${outcome} and use ${fallback}. Fix: write an integer such as "${suffix === 'canary-weight' ? '10' : '1000'}" with no spaces, decimals or exponent.`,
  );
  // Equivalent mutant: as above, `valid: true` with the fallback 100 reports nothing more.
  // Stryker disable next-line BooleanLiteral: equivalent, valid is read only with fallback 100
  return { value: fallback, valid: false };
}

/**
 * A canary string annotation. `spaceFree` values are checked after removing spaces, as
 * ingress-nginx does, but the spaces stay in the value it uses.
 */
function readCanaryString(
  ctx: Context,
  suffix: CanaryValueSuffix,
  charset: RegExp,
  describeSet: string,
  stripSpaces: boolean,
): string {
  const raw = value(ctx, suffix);
  if (raw === undefined) return '';
  const checked = stripSpaces ? raw.replaceAll(' ', '') : raw;
  // Both character sets accept the empty string, so an empty value passes here too.
  if (!charset.test(checked)) {
    report(
      ctx,
      'error',
      suffix,
      CANARY_VALUE_RULES[suffix],
      `${key(ctx, suffix)} is ${JSON.stringify(raw)}, which has characters outside ${describeSet}; ingress-nginx would log "${validationLog(ctx, suffix, raw)}" and "${suffix} is invalid, defaulting to ''", so this canary rule would silently not exist. Fix: use only ${describeSet}.`,
    );
    return '';
  }
  const used = normalise(raw);
  if (used === '') {
    report(
      ctx,
      'warning',
      suffix,
      'nginx-empty-value',
      `${key(ctx, suffix)} is empty (or only whitespace); ingress-nginx treats it as not set. Fix: give it a value or remove it.`,
    );
  } else if (suffix !== 'canary-by-header-value' && /\s/.test(used)) {
    report(
      ctx,
      'error',
      suffix,
      CANARY_VALUE_RULES[suffix],
      `${key(ctx, suffix)} is ${JSON.stringify(raw)}; ingress-nginx ignores the spaces when it validates the value but keeps them in the name it matches, so no request ${suffix === 'canary-by-cookie' ? 'cookie' : 'header'} can ever match. Fix: remove the spaces.`,
    );
  }
  return used;
}

const BASIC_SET = 'letters, digits and - . _ ~ / :';
const REGEX_SET =
  'letters, digits, - . _ ~ / : and the regex characters ^ $ [ ] ( ) { } * + ? | & = \\ (no spaces)';

function readCanary(ctx: Context): CanaryConfig {
  const enabled = readCanaryBool(ctx);
  const weight = readCanaryInt(ctx, 'canary-weight', 0).value;
  const total = readCanaryInt(ctx, 'canary-weight-total', DEFAULT_TOTAL);
  if (total.valid && total.value < DEFAULT_TOTAL) {
    report(
      ctx,
      'error',
      'canary-weight-total',
      'nginx-canary-weight-total',
      `${key(ctx, 'canary-weight-total')} is ${total.value}; ingress-nginx uses the total only when it is above 100 and otherwise silently divides by 100, so canary-weight ${weight} would mean ${weight}% instead of ${weight}/${total.value}. Fix: use a total above 100 (e.g. 1000 for 0.1% steps), or drop it and express the weight in percent.`,
    );
  }
  return {
    enabled,
    weight,
    total: Math.max(total.value, DEFAULT_TOTAL),
    header: readCanaryString(ctx, 'canary-by-header', BASIC_CHARS, BASIC_SET, true),
    headerValue: readCanaryString(ctx, 'canary-by-header-value', BASIC_CHARS, BASIC_SET, true),
    headerPattern: readCanaryString(ctx, 'canary-by-header-pattern', REGEX_CHARS, REGEX_SET, false),
    cookie: readCanaryString(ctx, 'canary-by-cookie', BASIC_CHARS, BASIC_SET, true),
  };
}

function checkCanaryCombination(ctx: Context, c: CanaryConfig): void {
  const configured = c.weight > 0 || c.header || c.headerValue || c.headerPattern || c.cookie;
  if (!c.enabled && configured) {
    report(
      ctx,
      'error',
      'canary',
      'nginx-canary-not-enabled',
      `canary settings are present but ${key(ctx, 'canary')} is not "true"; ingress-nginx would fail with "the annotation canary does not contain a valid configuration: configured but not enabled", ignore that, and serve this Ingress as an ordinary one. Fix: set ${key(ctx, 'canary')}: "true", or remove the canary settings.`,
    );
  }
  if (c.weight < 0 || c.weight > c.total) {
    report(
      ctx,
      'error',
      'canary-weight',
      'nginx-canary-weight',
      // Equivalent survivor: c.weight < 0 → c.weight <= 0: a weight of 0 is in range, so the message is never written for it
      `${key(ctx, 'canary-weight')} is ${c.weight}, outside 0..${c.total} (the effective canary-weight-total); ingress-nginx does not check the range and would send ${c.weight < 0 ? 'no' : 'all'} traffic to the canary. Fix: use a weight from 0 to ${c.total}.`,
    );
  }
  if (c.headerValue && c.headerPattern) {
    report(
      ctx,
      'warning',
      'canary-by-header-pattern',
      'nginx-canary-pattern-ignored',
      `${key(ctx, 'canary-by-header-pattern')} is ignored because ${key(ctx, 'canary-by-header-value')} is set. Fix: keep only one of them.`,
    );
  }
  if (!c.header) {
    for (const suffix of ['canary-by-header-value', 'canary-by-header-pattern']) {
      if (suffix === 'canary-by-header-value' ? c.headerValue : c.headerPattern) {
        report(
          ctx,
          'error',
          suffix,
          'nginx-canary-header-missing',
          `${key(ctx, suffix)} has no effect without a valid ${key(ctx, 'canary-by-header')}: ingress-nginx only looks at the header named there. Fix: set canary-by-header to the header name.`,
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Mirror
// ---------------------------------------------------------------------------------------

/** Hostname as Go's url.Parse + ingress-nginx StringToURL would derive it, or why it fails. */
export function mirrorTargetHost(target: string): { host: string } | { error: string } {
  const base = target.split('$')[0] as string;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(base);
  if (!scheme) return { error: 'it has no scheme (such as https://)' };
  const rest = base.slice(scheme[0].length).split('?')[0] as string;
  if (!rest.startsWith('//')) return { error: 'it has no host (write scheme://host/...)' };
  const authority = rest.slice(2).split('/')[0] as string;
  let host = authority;
  const portAt = authority.startsWith('[') ? authority.indexOf(']') + 1 : authority.lastIndexOf(':');
  if (portAt > 0 && portAt < authority.length) {
    const port = authority.slice(portAt);
    if (!/^:\d*$/.test(port))
      return { error: `Go's url.Parse rejects it: invalid port ${JSON.stringify(port)} after host` };
    host = authority.slice(0, portAt);
  }
  if (/[{}|^\\]/.test(host)) return { error: "Go's url.Parse rejects a host with { } | ^ or \\" };
  // Equivalent survivor: /^\[(.*)\]$/ → /^\[(.*)\]/: a bracketed host here ends at its first "]" (the port was cut there)
  host = host.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return { error: 'its host is empty' };
  if (host.includes('..')) return { error: 'its host contains ".."' };
  if (!/^https?$/i.test(scheme[1] as string)) {
    return { error: `nginx can only mirror to http:// or https://, not ${scheme[1]}://` };
  }
  return { host };
}

function checkMirror(ctx: Context, canary: boolean): void {
  const target = value(ctx, 'mirror-target');
  const host = value(ctx, 'mirror-host');
  const body = value(ctx, 'mirror-request-body');
  // Each check below needs one of the three annotations, so an Ingress without them gets none.
  if (canary) {
    for (const suffix of ['mirror-target', 'mirror-host', 'mirror-request-body']) {
      if (value(ctx, suffix) === undefined) continue;
      report(
        ctx,
        'warning',
        suffix,
        'nginx-mirror-on-canary',
        `${key(ctx, suffix)} is ignored on a canary Ingress: ingress-nginx takes all non-canary annotations from the main Ingress. Fix: put the mirror annotations on the main Ingress.`,
      );
    }
    return;
  }
  if (target !== undefined) {
    const trimmed = target.trim();
    const derived = REGEX_CHARS.test(trimmed) ? mirrorTargetHost(normalise(target)) : undefined;
    if (!derived) {
      report(
        ctx,
        'error',
        'mirror-target',
        'nginx-mirror-target',
        `${key(ctx, 'mirror-target')} is ${JSON.stringify(target)}, which has characters outside ${REGEX_SET}; ingress-nginx would log "${validationLog(ctx, 'mirror-target', target)}" and drop the target but keep the mirror directive, so mirrored requests go nowhere. Fix: use an absolute URL such as "https://mirror.example.com$request_uri" without % @ # , ! ' or spaces.`,
      );
    } else if ('error' in derived && trimmed !== '') {
      report(
        ctx,
        'error',
        'mirror-target',
        'nginx-mirror-target',
        `${key(ctx, 'mirror-target')} is ${JSON.stringify(target)}, which is not an absolute URL: ${derived.error}. ingress-nginx would accept it but generate no mirror location, so mirrored requests go nowhere. Fix: write scheme://host..., e.g. "https://mirror.example.com$request_uri".`,
      );
    }
  } else if (host !== undefined || body !== undefined) {
    report(
      ctx,
      'warning',
      host !== undefined ? 'mirror-host' : 'mirror-request-body',
      'nginx-mirror-without-target',
      `mirror settings without ${key(ctx, 'mirror-target')} do nothing. Fix: add mirror-target or remove them.`,
    );
  }
  if (host !== undefined && !REGEX_CHARS.test(host.trim())) {
    report(
      ctx,
      'error',
      'mirror-host',
      'nginx-mirror-host',
      `${key(ctx, 'mirror-host')} is ${JSON.stringify(host)}, which has characters outside ${REGEX_SET}; ingress-nginx would log "annotation mirror-host contains invalid value, defaulting" and send the host of mirror-target instead. Fix: use a plain host name such as "mirror.example.com".`,
    );
  }
  if (body !== undefined && body.trim() !== 'on' && body.trim() !== 'off') {
    report(
      ctx,
      'error',
      'mirror-request-body',
      'nginx-mirror-request-body',
      `${key(ctx, 'mirror-request-body')} is ${JSON.stringify(body)}; ingress-nginx accepts only "on" or "off" (case-sensitive) and would use "on", mirroring request bodies. Fix: write "on" or "off".`,
    );
  }
}

// ---------------------------------------------------------------------------------------

function checkPrefix(ctx: Context): void {
  if (ctx.prefix === DEFAULT_NGINX_PREFIX) return;
  for (const k of Object.keys(ctx.annotations).sort()) {
    if (!k.startsWith(`${DEFAULT_NGINX_PREFIX}/`)) continue;
    ctx.out.add(
      'warning',
      'nginx-annotation-prefix',
      annotationField(k),
      `${k} uses the default prefix, but the controller is expected to run with --annotations-prefix=${ctx.prefix}; it would ignore this annotation, and its admission webhook rejects it with "this deployment has a custom annotation prefix defined. Use '${ctx.prefix}' instead of '${DEFAULT_NGINX_PREFIX}'". Fix: write it as ${ctx.prefix}/${k.slice(DEFAULT_NGINX_PREFIX.length + 1)}.`,
    );
  }
}

/** All findings for the ingress-nginx canary and mirror annotations of one Ingress. */
export function validateNginxAnnotations(ingress: Ingress, options: NginxAnnotationOptions = {}): Finding[] {
  const ctx: Context = {
    out: new FindingList(ingress),
    annotations: ingress.annotations,
    prefix: options.prefix || DEFAULT_NGINX_PREFIX,
    ingressName: `${ingress.namespace}/${ingress.name}`,
  };
  checkPrefix(ctx);
  const canary = readCanary(ctx);
  checkCanaryCombination(ctx, canary);
  checkMirror(ctx, canary.enabled);
  return ctx.out.items;
}
