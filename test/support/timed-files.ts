/**
 * Files whose checks compare times or count work done in a time window: scaling ratios (n
 * against 8n, timed), absolute bounds for the largest objects, requests served while clients
 * stall or the server shuts down. They run after the other files, one file at a time, so that
 * no other test file competes with them for the CPU. A new file that times its work belongs
 * here; timed-files.test.ts checks that every file using the timing helpers is listed.
 */
export const TIMED: readonly string[] = [
  'test/scaling/**/*.test.ts',
  'test/faults/**/*.test.ts',
  'test/routing/edit-distance.test.ts',
  'test/routing/gateway-api/{guard,route-rules,traffic-state}.test.ts',
  'test/routing/wire/{canonical-json,gateway-api-config,ingress-object,json-shape}.test.ts',
  'test/webhook/{bounded-input,enforcement,events,warning-text}.test.ts',
  'test/audit/{dependencies,policy-report}.test.ts',
  'test/cluster/{event-recorder,project}.test.ts',
  'test/bench/apiserver-metrics.test.ts',
];
