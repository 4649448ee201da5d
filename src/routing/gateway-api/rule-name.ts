/**
 * The rule-name format of Gateway API routes (kubernetes-sigs/gateway-api v1.4.0,
 * apis/v1/shared_types.go `SectionName`): a lowercase RFC 1123 subdomain of 1 to 253
 * characters, dot-separated labels of `[a-z0-9-]` that start and end alphanumeric. Checked
 * by a single scan (the CRD's regular expression nests quantifiers, which is not run on user
 * input here).
 */
import { MAX_RULE_NAME_LENGTH } from './route-rules.js';

function isAlphanumeric(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
}

/** Why `name` is not a valid rule name, or undefined when it is. */
export function ruleNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_RULE_NAME_LENGTH) return `it is longer than ${MAX_RULE_NAME_LENGTH} characters`;
  let labelStart = 0;
  for (let i = 0; i <= name.length; i++) {
    const c = i < name.length ? name.charCodeAt(i) : 46;
    if (c === 46) {
      if (i === labelStart) return 'it has an empty part between dots';
      if (!isAlphanumeric(name.charCodeAt(labelStart)) || !isAlphanumeric(name.charCodeAt(i - 1)))
        return 'each dot-separated part must start and end with a lowercase letter or digit';
      labelStart = i + 1;
    } else if (!isAlphanumeric(c) && c !== 45) {
      return 'only lowercase letters, digits, "-" and "." are allowed';
    }
  }
  return undefined;
}
