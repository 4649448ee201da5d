/**
 * The AWS Load Balancer Controller's `actions.*` and `conditions.*` annotation values: their
 * Go struct shapes (for the Go-faithful decoder) and the domain types they decode to.
 *
 * Field order, JSON tags, pointer-ness and struct names follow the controller's
 * `pkg/ingress/config_types.go` (v3.5): order decides case-insensitive ties, pointer-ness
 * decides what `null` means, struct names appear in Go's type-error messages.
 */
import type { GoField, GoType, GoValue } from '../go/index.js';
import { isGoSlice, parseInt32Text } from '../go/index.js';

// ---------------------------------------------------------------------------------------
// Domain types
// ---------------------------------------------------------------------------------------

/** AWS limits a target group's stickiness to 7 days; Argo Rollouts checks it too when it writes the action. */
export const MAX_STICKINESS_SECONDS = 604800;

export interface AlbTargetGroup {
  targetGroupARN?: string;
  targetGroupName?: string;
  serviceName?: string;
  /** A port number, or a port name. Decimal strings are normalised to numbers, as LBC does. */
  servicePort?: number | string;
  weight?: number;
}

export interface AlbStickinessConfig {
  enabled?: boolean;
  durationSeconds?: number;
}

export interface AlbForwardConfig {
  /** Empty when absent or null (a nil slice in Go; the controller only looks at its length). */
  targetGroups: AlbTargetGroup[];
  targetGroupStickinessConfig?: AlbStickinessConfig;
}

export interface AlbFixedResponseConfig {
  contentType?: string;
  messageBody?: string;
  statusCode: string;
}

export interface AlbRedirectConfig {
  host?: string;
  path?: string;
  port?: string;
  protocol?: string;
  query?: string;
  statusCode: string;
}

export interface AlbAction {
  /** As written; the controller compares it case-sensitively. */
  type: string;
  targetGroupARN?: string;
  targetGroupName?: string;
  fixedResponseConfig?: AlbFixedResponseConfig;
  redirectConfig?: AlbRedirectConfig;
  forwardConfig?: AlbForwardConfig;
}

export interface AlbValuesConfig {
  regexValues?: string[];
  values?: string[];
}

export interface AlbHttpHeaderConfig extends AlbValuesConfig {
  httpHeaderName: string;
}

export interface AlbQueryStringPair {
  key?: string;
  value: string;
}

export interface RuleCondition {
  field: string;
  hostHeaderConfig?: AlbValuesConfig;
  httpHeaderConfig?: AlbHttpHeaderConfig;
  httpRequestMethodConfig?: { values?: string[] };
  pathPatternConfig?: AlbValuesConfig;
  queryStringConfig?: { values?: AlbQueryStringPair[] };
  sourceIPConfig?: { values?: string[] };
}

// ---------------------------------------------------------------------------------------
// Go struct shapes
// ---------------------------------------------------------------------------------------

const PKG = 'ingress';
const str: GoType = { k: 'string', name: 'string' };
const ptr = (elem: GoType): GoType => ({ k: 'ptr', elem });
const slice = (elem: GoType): GoType => ({ k: 'slice', elem });
const struct = (name: string, fields: [string, GoType][]): GoType & { k: 'struct' } => ({
  k: 'struct',
  name,
  pkg: PKG,
  fields: fields.map(([tag, type]): GoField => ({ tag, type })),
});

const targetGroupTuple = struct('TargetGroupTuple', [
  ['targetGroupARN', ptr(str)],
  ['targetGroupName', ptr(str)],
  ['serviceName', ptr(str)],
  ['servicePort', ptr({ k: 'intOrString' })],
  ['weight', ptr({ k: 'int32' })],
]);

export const ACTION_TYPE: GoType = struct('Action', [
  ['type', { k: 'string', name: `${PKG}.ActionType` }],
  ['targetGroupARN', ptr(str)],
  ['targetGroupName', ptr(str)],
  [
    'fixedResponseConfig',
    ptr(
      struct('FixedResponseActionConfig', [
        ['contentType', ptr(str)],
        ['messageBody', ptr(str)],
        ['statusCode', str],
      ]),
    ),
  ],
  [
    'redirectConfig',
    ptr(
      struct('RedirectActionConfig', [
        ['host', ptr(str)],
        ['path', ptr(str)],
        ['port', ptr(str)],
        ['protocol', ptr(str)],
        ['query', ptr(str)],
        ['statusCode', str],
      ]),
    ),
  ],
  [
    'forwardConfig',
    ptr(
      struct('ForwardActionConfig', [
        ['targetGroups', slice(targetGroupTuple)],
        [
          'targetGroupStickinessConfig',
          ptr(
            struct('TargetGroupStickinessConfig', [
              ['enabled', ptr({ k: 'bool' })],
              ['durationSeconds', ptr({ k: 'int32' })],
            ]),
          ),
        ],
      ]),
    ),
  ],
]);

const valuesConfig = (name: string): GoType =>
  ptr(
    struct(name, [
      ['regexValues', slice(str)],
      ['values', slice(str)],
    ]),
  );
const plainValuesConfig = (name: string): GoType => ptr(struct(name, [['values', slice(str)]]));

export const CONDITIONS_TYPE: GoType = slice(
  struct('RuleCondition', [
    ['field', { k: 'string', name: `${PKG}.RuleConditionField` }],
    ['hostHeaderConfig', valuesConfig('HostHeaderConditionConfig')],
    [
      'httpHeaderConfig',
      ptr(
        struct('HTTPHeaderConditionConfig', [
          ['httpHeaderName', str],
          ['regexValues', slice(str)],
          ['values', slice(str)],
        ]),
      ),
    ],
    ['httpRequestMethodConfig', plainValuesConfig('HTTPRequestMethodConditionConfig')],
    ['pathPatternConfig', valuesConfig('PathPatternConditionConfig')],
    [
      'queryStringConfig',
      ptr(
        struct('QueryStringConditionConfig', [
          [
            'values',
            slice(
              struct('QueryStringKeyValuePair', [
                ['key', ptr(str)],
                ['value', str],
              ]),
            ),
          ],
        ]),
      ),
    ],
    ['sourceIPConfig', plainValuesConfig('SourceIPConditionConfig')],
  ]),
);

// ---------------------------------------------------------------------------------------
// Go value -> plain domain value
// ---------------------------------------------------------------------------------------

/**
 * Converts a decoded Go value into plain data: nil pointers and nil slices become absent
 * (undefined), an IntOrString becomes its number or string.
 */
export function goToPlain(value: GoValue, type: GoType): unknown {
  switch (type.k) {
    case 'ptr':
      return value === undefined ? undefined : goToPlain(value, type.elem);
    case 'slice': {
      // The decoder gives a slice type a Go slice or undefined (nil), nothing else:
      // Equivalent survivor: value === undefined → false: isGoSlice(undefined) is false
      // Equivalent survivor: value === undefined || !isGoSlice(value) → value === undefined && !isGoSlice(value): no other value reaches here
      if (value === undefined || !isGoSlice(value)) return undefined;
      return value.backing.slice(0, value.len).map((item) => goToPlain(item, type.elem));
    }
    case 'intOrString':
      return (value as { value: number | string }).value;
    case 'struct': {
      const record = value as Record<string, GoValue>;
      const out: Record<string, unknown> = {};
      for (const f of type.fields) {
        const plain = goToPlain(record[f.tag], f.type);
        if (plain !== undefined) out[f.tag] = plain;
      }
      return out;
    }
    default:
      return value;
  }
}

/**
 * `intstr.Parse(port.String())`, which LBC applies to every target group's servicePort of a
 * forward action: a string that is a base-10 int32 (`"80"`, `"080"`, `"+80"`) becomes 80.
 */
export function normaliseServicePort(port: number | string): number | string {
  // A number here is an int32 the decoder checked, whose text parses back to itself:
  // Equivalent survivor: typeof port === 'number' → false: parseInt32Text(String(port)) is port
  // Equivalent survivor: 'number' → "": the same
  if (typeof port === 'number') return port;
  return parseInt32Text(port) ?? port;
}
