import { inject } from 'vitest';
import type { ControlPlaneEndpoints } from '../control-plane.js';

/** Everything the global setup started, as plain data handed to every test file. */
export interface E2eEnvironment {
  readonly controlPlane: ControlPlaneEndpoints;
  /** Loopback URL of the global setup's control channel (restarts of components it owns). */
  readonly controlUrl: string;
  /** The first line each real component printed for its version, by component. */
  readonly versions: Readonly<Record<string, string>>;
  /** The GitOps harness binary (Argo CD's and Flux's engines), see gitops-harness.ts. */
  readonly gitopsHarness: string;
  readonly rolloutsController: {
    readonly version: string;
    readonly healthzUrl: string;
    readonly metricsUrl: string;
    /** The user name the controller authenticates as (its writes carry it in the audit log). */
    readonly user: string;
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2eEnvironment;
  }
}

export function e2eEnvironment(): E2eEnvironment {
  return inject('e2e');
}
