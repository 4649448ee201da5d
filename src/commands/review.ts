/**
 * `review --hook mutate|validate --state PATH...`: reads one AdmissionReview on stdin and
 * prints the AdmissionReview the server would return, through the same dispatch code.
 * Exit 0 whether allowed or denied; 2 for bad input (with the reason on stderr).
 */
import { text } from 'node:stream/consumers';
import { answerReview } from '../webhook/admission/dispatch.js';
import type { HookKind } from '../webhook/admission/response.js';
import { policyFrom } from './policy.js';
import { loadManifestsStrict } from './state.js';
import { UsageError } from './options.js';

export interface ReviewCommandOptions {
  hook: string | undefined;
  state: string[];
  controllerIdentities?: string;
  enforcement?: string;
}

export async function reviewCommand(
  options: ReviewCommandOptions,
  input: NodeJS.ReadableStream,
): Promise<number> {
  if (options.hook !== 'mutate' && options.hook !== 'validate') {
    throw new UsageError(`--hook must be mutate or validate, got ${JSON.stringify(options.hook ?? '')}`);
  }
  if (options.state.includes('-')) {
    throw new UsageError('review reads the AdmissionReview on stdin, so - cannot be a manifest path here');
  }
  const { cluster } = await loadManifestsStrict(options.state);
  const body = await text(input);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    process.stderr.write(`review: stdin is not valid JSON: ${(error as Error).message}\n`);
    return 2;
  }
  const outcome = answerReview(options.hook as HookKind, parsed, {
    cluster,
    policy: policyFrom(options.controllerIdentities, options.enforcement),
    deadline: Date.now() + 10_000,
  });
  if (outcome.status !== 200) {
    process.stderr.write(`review: ${(outcome.body as { error: string }).error}\n`);
    return outcome.status === 400 ? 2 : 3;
  }
  process.stdout.write(`${JSON.stringify(outcome.body, null, 2)}\n`);
  return 0;
}
