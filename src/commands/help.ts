/**
 * Usage text of the CLI and of each command, with examples. The README's command section
 * names every flag listed here (test/cli-docs.test.ts checks it).
 */

import { DEFAULT_AUDIT_REJUDGE_EVERY } from '../audit/auditor.js';
import { DEFAULT_AUDIT_CPU_SHARE } from '../audit/cpu-share.js';

export const PROGRAM = 'rollouts-traffic-webhook';

const SERVE = `Usage: ${PROGRAM} serve [options]

Run the HTTPS admission webhook: POST /mutate and /validate, GET /healthz, /readyz, /metrics.
Each flag can also be set by the environment variable in brackets.

Options:
  --operation LIST           webhook, audit, or both: answer the admission hooks, run the
                             background audit (the chart runs it in a pod of its own)
                             [RTW_OPERATION] (default webhook,audit)
  --port N                   HTTPS port [RTW_PORT] (default 8443)
  --host ADDR                listen address [RTW_HOST] (default 0.0.0.0)
  --cert-dir DIR             folder with tls.crt and tls.key, reloaded on change [RTW_CERT_DIR] (default certs)
  --client-ca FILE           require apiserver client certificates signed by this CA [RTW_CLIENT_CA]
  --client-cn A,B            with --client-ca: also require the subject CN to be one of these [RTW_CLIENT_CN]
  --kubeconfig FILE          cluster to watch [KUBECONFIG] (default: in-cluster, then ~/.kube/config)
  --state PATH               serve from manifest files/folders instead of a cluster; repeatable
                             [RTW_STATE, a comma-separated list]
  --namespaces A,B           namespaces to cache [RTW_NAMESPACES] (default all)
  --controller-identities U,V
                             the Argo Rollouts controller's usernames, never mutated or denied
                             [RTW_CONTROLLER_IDENTITIES] (default system:serviceaccount:argo-rollouts:argo-rollouts)
  --enforcement deny|warn    deny invalid objects, or admit them with warnings [RTW_ENFORCEMENT] (default deny)
  --policy FILE              per-rule actions (deny|warn|audit|off) and exemptions [RTW_POLICY]
                             (docs/policy.md)
  --audit-interval-seconds N background audit into PolicyReports every N s, 0 = off
                             [RTW_AUDIT_INTERVAL_SECONDS] (default 300)
  --audit-cpu-share F        at most this share of the event loop goes to the audit, so reviews
                             come first [RTW_AUDIT_CPU_SHARE] (default ${DEFAULT_AUDIT_CPU_SHARE})
  --audit-rejudge-every N    audits judge the namespaces that changed, and every namespace at
                             least every N audits, 1/N of them each time; 1 = every audit full,
                             0 = only what changed [RTW_AUDIT_REJUDGE_EVERY] (default ${DEFAULT_AUDIT_REJUDGE_EVERY})
  --event-queue-size N       Events waiting to be written at most, 0 = no Events
                             [RTW_EVENT_QUEUE_SIZE] (default 1000)
  --log-level LEVEL          fatal|error|warn|info|debug|trace|silent [RTW_LOG_LEVEL] (default info)
  --shutdown-delay-seconds N keep serving N s after readiness turns false [RTW_SHUTDOWN_DELAY_SECONDS] (default 0)
  --dev                      make dev certificates in --cert-dir if missing; serve the bundled
                             examples/quickstart when no cluster answers
  -h, --help                 show this help

Signals: SIGTERM/SIGINT drain and stop (a second one stops at once); SIGHUP reloads the certificates.
Exit codes: 0 after a clean shutdown, 1 when it cannot start (the message names the flag to fix),
2 for bad flags.

Examples:
  ${PROGRAM} serve --dev --host 127.0.0.1
  ${PROGRAM} serve --cert-dir /etc/webhook/tls --namespaces shop,payments
  ${PROGRAM} serve --state deploy/ --cert-dir certs
`;

const REVIEW = `Usage: ${PROGRAM} review --hook mutate|validate PATH... < review.json

Read one AdmissionReview on stdin and print the AdmissionReview the server would return,
with the manifests at PATH (files or folders) as the cluster's state.

Options:
  --hook mutate|validate     which hook answers (required)
  --state PATH               a manifest file or folder; same as a positional PATH (repeatable)
  --controller-identities U,V
                             the Argo Rollouts controller's usernames (default
                             system:serviceaccount:argo-rollouts:argo-rollouts)
  --enforcement deny|warn    deny invalid objects, or admit them with warnings (default deny)
  -h, --help                 show this help

Exit codes: 0 with an answer (allowed or denied), 2 for bad input (the reason on stderr),
3 when the server would answer with an HTTP error (e.g. 500).

Examples:
  ${PROGRAM} review --hook mutate examples/quickstart < examples/reviews/argocd-reapply-mid-canary.json
  ${PROGRAM} review --hook validate deploy/ < review.json | jq .response.status
`;

const CHECK = `Usage: ${PROGRAM} check [options] PATH...

Lint manifests offline: what the webhook would deny or warn about each Rollout and Ingress,
after the mutating hook ran. PATH is a file, a folder (walked recursively; node_modules,
hidden folders and Helm charts are skipped) or - for standard input. Documents that are not
Kubernetes objects are skipped and counted.

Options:
  -o, --output FORMAT        text (default), json, sarif (code scanning) or junit (test reports)
  --fail-on error|warning    exit 1 on errors only (default), or on warnings too
  --ingress-class NAME=CONTROLLER
                             the controller of IngressClass NAME when the manifests do not hold it
                             (repeatable); without it, alb is taken as ingress.k8s.aws/alb and
                             nginx as k8s.io/ingress-nginx, and other classes are reported as not checked
  --controller-identities U,V
                             the Argo Rollouts controller's usernames (as for serve)
  --policy FILE              per-rule actions and exemptions, as serve reads them (docs/policy.md)
  -h, --help                 show this help

Exit codes: 0 clean, 1 findings at the --fail-on level (or unreadable input), 2 bad flags.

Examples:
  ${PROGRAM} check examples/app
  kustomize build overlays/prod | ${PROGRAM} check -
  helm template my-release charts/app | ${PROGRAM} check - --fail-on warning
  ${PROGRAM} check k8s/ --output sarif > check.sarif
  ${PROGRAM} check k8s/ --ingress-class internal-alb=ingress.k8s.aws/alb
`;

const RENDER = `Usage: ${PROGRAM} render [options] PATH...

Print the manifests (files, folders or - for stdin) with each Ingress as the webhook would
admit it on CREATE (Rollout-owned annotations and paths injected), as multi-document YAML.

Options:
  --controller-identities U,V
                             the Argo Rollouts controller's usernames (as for serve)
  -h, --help                 show this help

Examples:
  ${PROGRAM} render examples/quickstart
  kustomize build . | ${PROGRAM} render - | kubectl diff -f -
`;

export const COMMAND_HELP: Record<string, string> = {
  serve: SERVE,
  review: REVIEW,
  check: CHECK,
  render: RENDER,
};

export const USAGE = `Usage: ${PROGRAM} <command> [options]

Commands:
  serve     Run the HTTPS admission webhook.
  check     Lint manifests offline (for CI): exit 1 when the webhook would deny something.
  review    Answer one AdmissionReview from stdin as the server would.
  render    Print manifests with each Ingress as the webhook would admit it.

Options:
  -h, --help                 show this help (\`${PROGRAM} <command> --help\` for a command's)
  -V, --version              print the version

Examples:
  ${PROGRAM} check deploy/
  ${PROGRAM} serve --dev --host 127.0.0.1
`;
