import { DEFAULT_CONTROLLER_IDENTITIES, type WebhookPolicy } from '../webhook/admission/handler.js';
import { UsageError } from './options.js';

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
