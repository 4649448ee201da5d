/**
 * node:http, loaded so that its lazy getters stay untouched. An ESM import of a built-in
 * copies every export into the module namespace, and node:http's `WebSocket`,
 * `CloseEvent` and `MessageEvent` getters then load Node's bundled undici: about 3 MiB of
 * heap and 8 MiB of RSS that nothing here uses. `require()` returns the module object
 * itself.
 */
import type * as Http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const nodeHttp = require('node:http') as typeof Http;
