import { readFile } from 'node:fs/promises';
import { DEFAULT_CONTROLLER_IDENTITIES, type WebhookPolicy } from '../webhook/admission/handler.js';
import { parseRulePolicy, PolicyFileError, type RulePolicy } from '../webhook/enforcement.js';
import { UsageError } from './options.js';

/** Reads the per-rule policy file of `serve --policy` and `check --policy`; bad files are usage errors. */
export async function readRulePolicy(path: string): Promise<RulePolicy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--policy ${path}: ${(error as Error).message}`);
  }
  try {
    return parseRulePolicy(text);
  } catch (error) {
    if (error instanceof PolicyFileError) throw new UsageError(`--policy ${path}: ${error.message}`);
    throw error;
  }
}

/** The webhook policy from the optional flags the offline commands share with `serve`. */
export function policyFrom(identities: string | undefined, enforcement: string | undefined): WebhookPolicy {
  if (enforcement !== undefined && enforcement !== 'deny' && enforcement !== 'warn') {
    throw new UsageError(`--enforcement must be deny or warn, got ${JSON.stringify(enforcement)}`);
  }
  const list = (identities ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    controllerIdentities: new Set(list.length > 0 ? list : DEFAULT_CONTROLLER_IDENTITIES),
    enforcement: enforcement ?? 'deny',
  };
}
