import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ExampleApp, GitVariant } from './gitops-manifests.js';
import { RECORDING } from './observed-fixtures.js';

/** How each tool writes git to the cluster, as the GitOps scenarios run them. */
export const APPLY_MODES = ['argo-cd client-side apply', 'argo-cd server-side apply', 'flux'] as const;
export type ApplyMode = (typeof APPLY_MODES)[number];

/** The diffs each tool can show for what it applied. */
export const DIFF_VIEWS = {
  'argo-cd client-side apply': [
    'argo-cd legacy diff',
    'argo-cd server-side diff',
    'argo-cd server-side diff, IncludeMutationWebhook',
  ],
  'argo-cd server-side apply': [
    'argo-cd legacy diff',
    'argo-cd server-side diff',
    'argo-cd server-side diff, IncludeMutationWebhook',
  ],
  flux: ['flux drift detection'],
} as const satisfies Record<ApplyMode, readonly string[]>;
export type DiffView = (typeof DIFF_VIEWS)[ApplyMode][number];

/** One diff's verdict on the Ingress, as the tool shows it for that resource. */
export interface Verdict {
  /** Synced, or no drift. */
  readonly clean: boolean;
  /** Synced | OutOfSync | no drift | drift */
  readonly status: string;
  /** `Ingress <JSON pointer>` of every difference the tool found on the Ingress. */
  readonly differences: readonly string[];
  /**
   * `<Kind> <JSON pointer>` of what the same diff found on the app's other objects. Printed,
   * not tabled: it is the Rollouts controller's Service selector, whose state at diff time
   * depends on when the controller last rewrote it (docs/e2e.md).
   */
  readonly elsewhere: readonly string[];
}

/** What one tool did and showed for one app, mid-canary, after applying git again. */
export interface CaseObservation {
  /** The tool's own report for the Ingress (Argo CD's sync message, Flux's change-set action). */
  readonly reapply: string;
  /** The controller's weights, conditions and header-route rule were still in place after the apply. */
  readonly trafficKept: boolean;
  /** The app's header route (if it has one) was on the Ingress once the controller had settled. */
  readonly headerRouteAfterSettling: boolean;
  /** Writes to the Ingress by the Rollouts controller after the apply (a write fight when above 0). */
  readonly controllerWritesAfterApply: number;
  /** Writes to the Ingress by the tool in that apply (0 when it found nothing to change). */
  readonly toolWrites: number;
  readonly views: Partial<Record<DiffView, Verdict>>;
}

export interface ObservedCase {
  readonly mode: ApplyMode;
  readonly example: ExampleApp;
  readonly variant: GitVariant;
  readonly guarded: CaseObservation;
  readonly unguarded: CaseObservation;
}

/** One row of the table: a setting a user can choose, and the diff it shows. */
interface Setting {
  readonly mode: ApplyMode;
  readonly view: DiffView;
  readonly label: string;
}

const SETTINGS: readonly Setting[] = [
  {
    mode: 'argo-cd client-side apply',
    view: 'argo-cd legacy diff',
    label: 'Argo CD, defaults (client-side apply, legacy diff)',
  },
  {
    mode: 'argo-cd client-side apply',
    view: 'argo-cd server-side diff',
    label: 'Argo CD, `compare-options: ServerSideDiff=true`',
  },
  {
    mode: 'argo-cd client-side apply',
    view: 'argo-cd server-side diff, IncludeMutationWebhook',
    label: 'Argo CD, `compare-options: ServerSideDiff=true,IncludeMutationWebhook=true`',
  },
  {
    mode: 'argo-cd server-side apply',
    view: 'argo-cd server-side diff',
    label: 'Argo CD, `syncOptions: [ServerSideApply=true]` (implies server-side diff)',
  },
  {
    mode: 'argo-cd server-side apply',
    view: 'argo-cd server-side diff, IncludeMutationWebhook',
    label: 'Argo CD, `ServerSideApply=true` and `compare-options: IncludeMutationWebhook=true`',
  },
  {
    mode: 'argo-cd server-side apply',
    view: 'argo-cd legacy diff',
    label: 'Argo CD, `ServerSideApply=true` and `compare-options: ServerSideDiff=false`',
  },
  {
    mode: 'flux',
    view: 'flux drift detection',
    label: 'Flux kustomize-controller (server-side apply; drift detection every interval)',
  },
];

const EXAMPLE_NAMES: Record<ExampleApp, string> = {
  'quick-start': 'quick start',
  'header-routing': 'with a header route',
};

/** A difference as a reader scans for it: the annotation key, or the field, not a JSON pointer. */
function shortDifference(difference: string): string {
  const [kind, pointer = ''] = difference.split(' ');
  const annotation = /^\/metadata\/annotations\/(.+)$/.exec(pointer);
  if (annotation)
    return `${kind} annotation \`${annotation[1]!.replaceAll('~1', '/').replaceAll('~0', '~')}\``;
  const field = pointer.split('/').filter(Boolean).slice(0, 2).join('.');
  return `${kind} \`${field}\``;
}

function describeVerdict(verdict: Verdict | undefined): string {
  if (!verdict) return 'not observed';
  if (verdict.clean) return verdict.status;
  const differences = [...new Set(verdict.differences.map(shortDifference))];
  return differences.length ? `${verdict.status}: ${differences.join(', ')}` : verdict.status;
}

/** One cell: the verdict per example app, merged when both apps show the same. */
function diffCell(cases: readonly ObservedCase[], view: DiffView, side: 'guarded' | 'unguarded'): string {
  const parts = cases.map((c) => ({ example: c.example, text: describeVerdict(c[side].views[view]) }));
  if (new Set(parts.map((p) => p.text)).size === 1) return parts[0]!.text;
  return parts.map((p) => `${EXAMPLE_NAMES[p.example]}: ${p.text}`).join('; ');
}

function casesOf(observed: readonly ObservedCase[], setting: Setting, variant?: GitVariant) {
  return observed.filter((c) => c.mode === setting.mode && (variant === undefined || c.variant === variant));
}

const caseName = (c: ObservedCase) =>
  `${c.variant === 'stale' ? 'stale value in git' : 'not in git'}, ${EXAMPLE_NAMES[c.example]}`;

/** What a sync mid-canary does to the controller's state, with or without the webhook. */
function applyCell(cases: readonly ObservedCase[], side: 'guarded' | 'unguarded'): string {
  const lost = cases.filter((c) => !c[side].trafficKept);
  const fights = cases.filter((c) => c[side].controllerWritesAfterApply > 0);
  const routesGone = cases.filter((c) => !c[side].headerRouteAfterSettling);
  if (lost.length === 0 && fights.length === 0 && routesGone.length === 0)
    return 'weights and header route kept; no controller write after it';
  const parts = [lost.length ? `canary state lost (${lost.map(caseName).join('; ')})` : 'canary state kept'];
  if (fights.length)
    parts.push(
      `the controller writes its weights back (${fights.map(caseName).join('; ')}): a write fight on every sync`,
    );
  if (routesGone.length)
    parts.push(`the header route stays lost until the next canary (${routesGone.map(caseName).join('; ')})`);
  return parts.join('; ');
}

function configureCell(observed: readonly ObservedCase[], setting: Setting): string {
  const dirty = casesOf(observed, setting).filter((c) => !c.guarded.views[setting.view]?.clean);
  if (dirty.length === 0) return 'Nothing more.';
  const cleanEverywhere = SETTINGS.find((other) =>
    casesOf(observed, other).every((c) => c.guarded.views[other.view]?.clean),
  );
  const alternative = cleanEverywhere ? `use ${cleanEverywhere.label}` : 'no setting shows it clean';
  if (dirty.every((c) => c.variant === 'stale'))
    return `Keep Rollout-owned annotations out of git, or ${alternative}.`;
  return `To see it clean mid-canary, ${alternative}.`;
}

/** The markdown table docs/install.md carries, rendered from one e2e run's observations. */
export function gitopsTable(observed: readonly ObservedCase[]): string {
  const lines = [
    '| Tool and setting | A sync mid-canary, with the webhook | What the diff shows for the Ingress: Rollout-owned annotations not in git | ... a stale value in git | Without the webhook: the sync, and the Ingress diff (stale value in git) | What to configure |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const setting of SETTINGS) {
    const all = casesOf(observed, setting);
    const cells = [
      setting.label,
      applyCell(all, 'guarded'),
      diffCell(casesOf(observed, setting, 'absent'), setting.view, 'guarded'),
      diffCell(casesOf(observed, setting, 'stale'), setting.view, 'guarded'),
      `${applyCell(all, 'unguarded')}; ${diffCell(casesOf(observed, setting, 'stale'), setting.view, 'unguarded')}`,
      configureCell(observed, setting),
    ];
    lines.push(`| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`);
  }
  return lines.join('\n');
}

const INSTALL_DOC = fileURLToPath(new URL('../../../docs/install.md', import.meta.url));
const BEGIN = '<!-- gitops-tools-table: generated by test/e2e/scenarios/gitops-tools.test.ts -->';
const END = '<!-- end of gitops-tools-table -->';

/**
 * Compares the table in docs/install.md with this run's; with E2E_RECORD_FIXTURES=1 it
 * writes this run's table there instead. The doc must hold both marker lines.
 */
export async function syncInstallDocTable(table: string): Promise<void> {
  const doc = readFileSync(INSTALL_DOC, 'utf8');
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`docs/install.md lacks the markers ${BEGIN} … ${END}`);
  const committed = doc.slice(begin + BEGIN.length, end).trim();
  if (RECORDING) {
    writeFileSync(INSTALL_DOC, `${doc.slice(0, begin + BEGIN.length)}\n${table}\n${doc.slice(end)}`);
    process.stderr.write(`[e2e] recorded the GitOps table in ${INSTALL_DOC}\n`);
    return;
  }
  if (committed !== table) {
    throw new Error(
      `the GitOps table in docs/install.md differs from this run; run with E2E_RECORD_FIXTURES=1 to rewrite it.\ncommitted:\n${committed}\nthis run:\n${table}`,
    );
  }
}
