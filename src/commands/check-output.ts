/**
 * `check`'s output formats: text for people, JSON for scripts, SARIF for code-scanning
 * annotations (GitHub, GitLab), JUnit XML for CI test reports. All carry the same report.
 */
import type { CheckReport, FailOn, LocatedFinding, OutputFormat } from './check.js';
import { packageVersion } from './version.js';

const TOOL = 'rollouts-traffic-webhook';
/** How many skipped inputs the text output names before it only counts. */
const SKIPPED_SHOWN = 5;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function at(file: string, line: number | undefined): string {
  return line === undefined ? file : `${file}:${line}`;
}

export function summaryLine(report: CheckReport): string {
  const s = report.summary;
  return (
    `Checked ${plural(s.files, 'file')}: ${plural(s.rollouts, 'Rollout')}, ${plural(s.ingresses, 'Ingress', 'Ingresses')}, ` +
    `${plural(s.services, 'Service')}, ${plural(s.ingressClasses, 'IngressClass', 'IngressClasses')}` +
    `${s.otherObjects > 0 ? ` (and ${plural(s.otherObjects, 'object')} of other kinds, not checked)` : ''}.`
  );
}

function findingLine(f: LocatedFinding): string {
  return `  ${at(f.file, f.line)}: ${f.severity}: ${f.field ? `${f.field}: ` : ''}${f.message} [${f.rule}]`;
}

export function formatText(report: CheckReport): string {
  const lines: string[] = [];
  for (const e of report.loadErrors) lines.push(`${at(e.file, e.line)}: error: ${e.message}`);
  for (const object of report.objects) {
    lines.push(`${object.kind} ${object.namespace}/${object.name} (${object.location})`);
    for (const f of object.findings) lines.push(findingLine(f));
  }
  if (report.notChecked.length > 0) {
    lines.push(`NOT CHECKED: ${plural(report.notChecked.length, 'Ingress', 'Ingresses')}:`);
    for (const u of report.notChecked) {
      lines.push(`  ${at(u.file, u.line)}: Ingress ${u.namespace}/${u.name}: ${u.reason}`);
    }
  }
  for (const a of report.assumedClasses) {
    lines.push(
      a.source === 'flag'
        ? `IngressClass "${a.name}" taken as controller ${a.controller} (--ingress-class).`
        : `IngressClass "${a.name}" is not in the checked manifests; assumed its standard controller ${a.controller}. Say otherwise with --ingress-class ${a.name}=CONTROLLER.`,
    );
  }
  if (report.skipped.length > 0) {
    const shown = report.skipped.slice(0, SKIPPED_SHOWN).map((s) => {
      const where = s.document === undefined ? s.file : `${s.file} document ${s.document}`;
      return `  ${where}: ${s.reason}`;
    });
    const more = report.skipped.length - shown.length;
    lines.push(
      `Skipped ${plural(report.skipped.length, 'input')} that are not Kubernetes manifests:`,
      ...shown,
    );
    if (more > 0) lines.push(`  ... and ${more} more (--output json lists them all)`);
  }
  lines.push(summaryLine(report));
  lines.push(`${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')}.`);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------
// SARIF 2.1.0 (OASIS): one result per finding, load error and unchecked Ingress.
// ---------------------------------------------------------------------------------------

interface SarifResult {
  ruleId: string;
  level: 'error' | 'warning' | 'note';
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[];
}

/** A relative file path as a URI reference: forward slashes, characters outside URIs escaped. */
function uriOf(file: string): string {
  return encodeURI(file.split('\\').join('/'));
}

function sarifResult(
  ruleId: string,
  level: SarifResult['level'],
  text: string,
  file: string,
  line: number | undefined,
): SarifResult {
  const physicalLocation: SarifResult['locations'][number]['physicalLocation'] = {
    artifactLocation: { uri: uriOf(file) },
  };
  if (line !== undefined) physicalLocation.region = { startLine: line };
  return { ruleId, level, message: { text }, locations: [{ physicalLocation }] };
}

export function formatSarif(report: CheckReport): string {
  const results: SarifResult[] = [
    ...report.loadErrors.map((e) => sarifResult('manifest-unreadable', 'error', e.message, e.file, e.line)),
    ...report.objects.flatMap((o) =>
      o.findings.map((f) =>
        sarifResult(
          f.rule,
          f.severity,
          `${o.kind} ${o.namespace}/${o.name}: ${f.field ? `${f.field}: ` : ''}${f.message}`,
          f.file,
          f.line,
        ),
      ),
    ),
    ...report.notChecked.map((u) =>
      sarifResult(
        'ingress-not-checked',
        'note',
        `Ingress ${u.namespace}/${u.name} was not checked: ${u.reason}`,
        u.file,
        u.line,
      ),
    ),
  ];
  const ruleIds = [...new Set(results.map((r) => r.ruleId))].sort();
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL,
            version: packageVersion(),
            rules: ruleIds.map((id) => ({ id, shortDescription: { text: id } })),
          },
        },
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------
// JUnit XML: one test case per checked Rollout and Ingress; a failure when it would fail CI.
// ---------------------------------------------------------------------------------------

/** XML text: the five special characters escaped; characters XML 1.0 forbids replaced. */
export function xmlText(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '"') out += '&quot;';
    else if (ch === "'") out += '&apos;';
    else if (
      (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
      code === 0xfffe ||
      code === 0xffff
    )
      out += '\uFFFD';
    else out += ch;
  }
  return out;
}

export function formatJunit(report: CheckReport, failOn: FailOn): string {
  const byObject = new Map(report.objects.map((o) => [`${o.kind} ${o.location}`, o]));
  const cases: string[] = [];
  let failures = 0;
  for (const e of report.loadErrors) {
    failures++;
    cases.push(
      `  <testcase classname="manifests" name="${xmlText(e.file)}"><failure type="manifest-unreadable" message="${xmlText(e.message)}"/></testcase>`,
    );
  }
  for (const c of report.checked) {
    const object = byObject.get(`${c.kind} ${c.location}`);
    const failing = (object?.findings ?? []).filter((f) => f.severity === 'error' || failOn === 'warning');
    const name = xmlText(`${c.kind} ${c.namespace}/${c.name}`);
    const classname = xmlText(c.location);
    if (failing.length === 0) {
      cases.push(`  <testcase classname="${classname}" name="${name}"/>`);
      continue;
    }
    failures++;
    const body = failing
      .map((f) => `${at(f.file, f.line)}: ${f.severity}: ${f.field}: ${f.message} [${f.rule}]`)
      .join('\n');
    cases.push(
      `  <testcase classname="${classname}" name="${name}"><failure type="${xmlText(failing[0]!.rule)}" message="${plural(failing.length, 'finding')}">${xmlText(body)}</failure></testcase>`,
    );
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="${TOOL} check" tests="${cases.length}" failures="${failures}" errors="0">`,
    ...cases,
    '</testsuite>',
    '',
  ].join('\n');
}

export function formatReport(report: CheckReport, format: OutputFormat, failOn: FailOn): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'sarif':
      return formatSarif(report);
    case 'junit':
      return formatJunit(report, failOn);
    case 'text':
      return formatText(report);
  }
}
