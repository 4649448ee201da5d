import { readFileSync } from 'node:fs';

/** One completed write as the apiserver's audit log recorded it. */
export interface AuditedWrite {
  readonly user: string;
  readonly verb: string;
  readonly resource: string;
  readonly subresource: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly code: number | undefined;
  readonly dryRun: boolean;
  /** The request body: for a patch, the patch document exactly as the client sent it. */
  readonly requestObject: unknown;
  readonly requestUri: string;
  /** When the apiserver received the request (RFC 3339 with microseconds). */
  readonly received: string | undefined;
}

interface AuditEvent {
  stage?: string;
  verb?: string;
  requestURI?: string;
  user?: { username?: string };
  impersonatedUser?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
  requestObject?: unknown;
  requestReceivedTimestamp?: string;
}

/**
 * Reads the audit log (JSON lines) and returns the completed writes that match. The user is
 * the impersonated one when there is one, so `kubectl --as` writes are attributed as a
 * user would expect.
 */
export function auditedWrites(
  auditLog: string,
  filter: { resource?: string; namespace?: string; user?: string; name?: string } = {},
): AuditedWrite[] {
  let text: string;
  try {
    text = readFileSync(auditLog, 'utf8');
  } catch {
    return [];
  }
  const writes: AuditedWrite[] = [];
  const lines = text.split('\n');
  lines.pop(); // complete lines end in a newline; anything after the last one is still being written
  for (const line of lines) {
    const event = JSON.parse(line) as AuditEvent;
    if (event.stage !== 'ResponseComplete') continue;
    const write: AuditedWrite = {
      user: event.impersonatedUser?.username ?? event.user?.username ?? '',
      verb: event.verb ?? '',
      resource: event.objectRef?.resource ?? '',
      subresource: event.objectRef?.subresource,
      namespace: event.objectRef?.namespace,
      name: event.objectRef?.name,
      code: event.responseStatus?.code,
      dryRun: /[?&]dryRun=/.test(event.requestURI ?? ''),
      requestObject: event.requestObject,
      requestUri: event.requestURI ?? '',
      received: event.requestReceivedTimestamp,
    };
    if (filter.resource !== undefined && write.resource !== filter.resource) continue;
    if (filter.namespace !== undefined && write.namespace !== filter.namespace) continue;
    if (filter.user !== undefined && write.user !== filter.user) continue;
    if (filter.name !== undefined && write.name !== filter.name) continue;
    writes.push(write);
  }
  return writes;
}
