/**
 * What changed in the cache since its reader last asked: the input of the incremental audit
 * (src/audit/auditor.ts), which judges again only what a change can have affected.
 *
 * A change is recorded as a *scope*, the same vocabulary a reader uses for what it read
 * (src/audit/dependencies.ts):
 * - a namespace's name, for any namespaced object written or removed there;
 * - CLUSTER_SCOPE, for an IngressClass (every Ingress's class may hang on it);
 * - an index key of the store, `Kind:namespace/name`, for a Gateway API route whose set of
 *   referencing Rollouts may have changed: those Rollouts can live in any namespace, so the
 *   route's own namespace does not say it.
 * A namespace is a DNS label, so it never contains `*`, `:` or `/`: the three cannot collide.
 *
 * Bounded: past MAX_RECORDED_SCOPES distinct scopes between two reads the journal stops
 * recording and says `everything`, and the reader treats that as a change to all of them.
 */
export const CLUSTER_SCOPE = '*';

/** Distinct scopes kept between two reads; more means "everything changed". */
export const MAX_RECORDED_SCOPES = 50_000;

export type ChangedScopes = { everything: true } | { everything: false; scopes: ReadonlySet<string> };

export class ChangeJournal {
  private scopes = new Set<string>();
  private overflowed = false;

  record(scope: string): void {
    if (this.overflowed) return;
    this.scopes.add(scope);
    if (this.scopes.size > MAX_RECORDED_SCOPES) {
      this.overflowed = true;
      this.scopes = new Set();
    }
  }

  /** The changes since the previous call (or since the journal was made), and forgets them. */
  take(): ChangedScopes {
    const taken: ChangedScopes = this.overflowed
      ? { everything: true }
      : { everything: false, scopes: this.scopes };
    this.scopes = new Set();
    this.overflowed = false;
    return taken;
  }
}
