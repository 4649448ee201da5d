/**
 * Go compatibility, imports nothing: encoding/json's encoder (byte for byte) and decoder (as
 * the load-balancer controllers decode annotations), strconv quoting and integers, durations
 * and Kubernetes int-or-string values.
 */
export { goParseDurationSeconds, intOrPercentValue, pauseDurationSeconds } from './intstr-and-duration.js';
export {
  goJsonSyntaxError,
  goUnmarshal,
  isGoSlice,
  type GoField,
  type GoType,
  type GoValue,
  type UnknownKey,
} from './json-decode.js';
export { goJson, type GoJsonValue } from './json-encode.js';
export { goAtoi, goQuote, parseGoInt32, parseInt32Text, type GoResult } from './strconv.js';
