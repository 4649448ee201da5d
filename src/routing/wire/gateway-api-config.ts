/**
 * The Gateway API plugin's configuration on a Rollout, read the way the plugin reads it
 * (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi v0.15.0, pkg/plugin/types.go
 * `GatewayAPITrafficRouting`, plugin.go `getGatewayAPITrafficRoutingConfig` and
 * `insertGatewayAPIRouteLists`, internal/defaults/defaults.go):
 * - Go's encoding/json matches object keys to fields exactly or, failing that, ignoring
 *   case, and the last key that maps to a field wins; unknown keys are ignored;
 * - the single `httpRoute`/`grpcRoute` is appended to its list with `useHeaderRoutes: true`;
 * - an empty `namespace` means the Rollout's namespace;
 * - the in-progress label is `rollouts.argoproj.io/gatewayapi-canary: in-progress` unless
 *   `inProgressLabelKey`/`inProgressLabelValue` say otherwise or `disableInProgressLabel` is set.
 */
import type { FieldPath } from '../findings/index.js';
import {
  DEFAULT_IN_PROGRESS_LABEL_KEY,
  DEFAULT_IN_PROGRESS_LABEL_VALUE,
  GATEWAY_API_PLUGIN,
} from '../keys.js';
import type { JsonReader } from './json-reader.js';
import { own } from './json-reader.js';
import type { GatewayApiRouteRef, GatewayApiRouting, Json, JsonObject } from '../model.js';

/** Configuration fields the plugin acts on but the webhook does not guard. */
const UNGUARDED_FIELDS = [
  'tcpRoute',
  'tlsRoute',
  'tcpRoutes',
  'tlsRoutes',
  'httpRouteSelector',
  'grpcRouteSelector',
  'tcpRouteSelector',
  'tlsRouteSelector',
] as const;

const KNOWN_FIELDS = [
  'httpRoute',
  'grpcRoute',
  'namespace',
  'httpRoutes',
  'grpcRoutes',
  'disableInProgressLabel',
  'inProgressLabelKey',
  'inProgressLabelValue',
  ...UNGUARDED_FIELDS,
] as const;

/**
 * The value of each known field, keyed by its canonical name, matched as Go's json.Unmarshal
 * does: each key goes to the field of its exact name or, failing that, the field whose name
 * equals it ignoring case, and fields are assigned in key order, so the last key wins. One
 * pass over the keys (ASCII case folding; Go also folds U+017F and U+212A).
 */
function goFields<F extends string>(obj: JsonObject, fields: readonly F[]): Partial<Record<F, Json>> {
  const exact = new Set<string>(fields);
  const byFolded = new Map<string, F>(fields.map((f) => [f.toLowerCase(), f]));
  const out: Partial<Record<F, Json>> = {};
  for (const key of Object.keys(obj)) {
    const field = exact.has(key) ? (key as F) : byFolded.get(key.toLowerCase());
    // Equivalent survivor: ConditionalExpression → true: out.undefined is never read, only the known field names are
    if (field !== undefined) out[field] = obj[key];
  }
  return out;
}

function readRouteList(r: JsonReader, value: Json | undefined, field: FieldPath): GatewayApiRouteRef[] {
  const items = r.array(value, field) ?? [];
  const out: GatewayApiRouteRef[] = [];
  items.forEach((item, i) => {
    const entry = r.object(item, field.index(i));
    if (!entry) return;
    const f = goFields(entry, ['name', 'useHeaderRoutes'] as const);
    out.push({
      name: r.string(f.name, field.index(i).child('name')) ?? '',
      useHeaderRoutes: r.boolean(f.useHeaderRoutes, field.index(i).child('useHeaderRoutes')) ?? false,
    });
  });
  return out;
}

/**
 * Reads `plugins["argoproj-labs/gatewayAPI"]`. Type errors become `malformed-field` findings
 * through `r` (the plugin's json.Unmarshal fails on them, so every SetWeight fails too).
 */
export function readGatewayApiConfig(
  r: JsonReader,
  value: Json | undefined,
  field: FieldPath,
): GatewayApiRouting | undefined {
  const config = r.object(value, field);
  if (!config) return undefined;
  const f = goFields(config, KNOWN_FIELDS);
  const httpRoutes = readRouteList(r, f.httpRoutes, field.child('httpRoutes'));
  const grpcRoutes = readRouteList(r, f.grpcRoutes, field.child('grpcRoutes'));
  const httpRoute = r.string(f.httpRoute, field.child('httpRoute'));
  const grpcRoute = r.string(f.grpcRoute, field.child('grpcRoute'));
  if (httpRoute) httpRoutes.push({ name: httpRoute, useHeaderRoutes: true });
  if (grpcRoute) grpcRoutes.push({ name: grpcRoute, useHeaderRoutes: true });
  const disabled = r.boolean(f.disableInProgressLabel, field.child('disableInProgressLabel')) ?? false;
  const key =
    r.string(f.inProgressLabelKey, field.child('inProgressLabelKey')) || DEFAULT_IN_PROGRESS_LABEL_KEY;
  const labelValue =
    r.string(f.inProgressLabelValue, field.child('inProgressLabelValue')) || DEFAULT_IN_PROGRESS_LABEL_VALUE;
  const routing: GatewayApiRouting = {
    httpRoutes,
    grpcRoutes,
    namespace: r.string(f.namespace, field.child('namespace')) ?? '',
    unguarded: UNGUARDED_FIELDS.filter((name) => f[name] !== undefined && f[name] !== null && f[name] !== ''),
  };
  if (!disabled) routing.inProgressLabel = { key, value: labelValue };
  return routing;
}

/** The config found under `trafficRouting.plugins`, if the Gateway API plugin is configured. */
export function readGatewayApiPlugin(
  r: JsonReader,
  plugins: Json | undefined,
  pluginsField: FieldPath,
): GatewayApiRouting | undefined {
  // Without a plugins object there is no config: own(undefined, ...) is undefined.
  const obj = r.object(plugins, pluginsField);
  return readGatewayApiConfig(r, own(obj, GATEWAY_API_PLUGIN), pluginsField.key(GATEWAY_API_PLUGIN));
}
