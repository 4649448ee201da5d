import { describe, expect, it } from 'vitest';
import { serveOptions } from '../../src/commands/options.js';

const operationsOf = (raw: Parameters<typeof serveOptions>[0], env: NodeJS.ProcessEnv = {}) => [
  ...serveOptions(raw, env).operations,
];

describe('--operation', () => {
  it('defaults to both, and reads the flag before RTW_OPERATION', () => {
    expect(operationsOf({})).toEqual(['webhook', 'audit']);
    expect(operationsOf({}, { RTW_OPERATION: 'webhook' })).toEqual(['webhook']);
    expect(operationsOf({ operation: 'audit' }, { RTW_OPERATION: 'webhook' })).toEqual(['audit']);
    expect(operationsOf({ operation: ' audit , webhook ' })).toEqual(['audit', 'webhook']);
    expect(operationsOf({ operation: 'webhook,webhook' })).toEqual(['webhook']);
  });

  it('refuses an empty list and anything but webhook and audit, naming the flag', () => {
    for (const text of ['', ',', 'Webhook', 'mutate', 'webhook,status', 'all', 'webhook;audit'])
      expect(() => serveOptions({ operation: text }, {}), text).toThrow(
        `--operation must be webhook, audit or both (comma-separated), got ${JSON.stringify(text)}`,
      );
  });

  it('webhook alone runs no audit, and refuses the audit settings rather than ignore them', () => {
    expect(serveOptions({ operation: 'webhook' }, {}).auditIntervalSeconds).toBe(0);
    // 0 says the same thing as leaving the audit out: accepted.
    expect(
      serveOptions({ operation: 'webhook', 'audit-interval-seconds': '0' }, {}).auditIntervalSeconds,
    ).toBe(0);
    expect(() => serveOptions({ operation: 'webhook', 'audit-interval-seconds': '60' }, {})).toThrow(
      '--audit-interval-seconds configures the background audit, which --operation webhook does not run: remove it, or add audit to --operation',
    );
    expect(() =>
      serveOptions({ operation: 'webhook' }, { RTW_AUDIT_CPU_SHARE: '0.2', RTW_AUDIT_REJUDGE_EVERY: '3' }),
    ).toThrow(
      '--audit-cpu-share, --audit-rejudge-every configure the background audit, which --operation webhook does not run: remove them, or add audit to --operation',
    );
  });

  it('audit alone records no Events: it answers no reviews', () => {
    expect(serveOptions({ operation: 'audit', 'event-queue-size': '500' }, {}).eventQueueSize).toBe(0);
    expect(serveOptions({ operation: 'webhook', 'event-queue-size': '500' }, {}).eventQueueSize).toBe(500);
    expect(serveOptions({}, {}).eventQueueSize).toBe(1000);
    // Still checked: a bad value is an error whatever the operation.
    expect(() => serveOptions({ operation: 'audit', 'event-queue-size': '-1' }, {})).toThrow(
      /--event-queue-size must be an integer from 0 to 100000/,
    );
  });

  it('audit alone needs an audit interval above 0', () => {
    const audit = serveOptions({ operation: 'audit', 'audit-interval-seconds': '60' }, {});
    expect(audit.auditIntervalSeconds).toBe(60);
    expect(serveOptions({ operation: 'audit' }, {}).auditIntervalSeconds).toBe(300);
    expect(() => serveOptions({ operation: 'audit' }, { RTW_AUDIT_INTERVAL_SECONDS: '0' })).toThrow(
      '--operation audit runs only the background audit: --audit-interval-seconds must be above 0',
    );
  });

  it('reads each audit setting from its flag or its variable, and names the flag when it is wrong', () => {
    const flags = serveOptions(
      { 'audit-interval-seconds': '60', 'audit-rejudge-every': '3', 'event-queue-size': '7' },
      {},
    );
    expect([flags.auditIntervalSeconds, flags.auditRejudgeEvery, flags.eventQueueSize]).toEqual([60, 3, 7]);
    const vars = serveOptions(
      {},
      { RTW_AUDIT_INTERVAL_SECONDS: '61', RTW_AUDIT_REJUDGE_EVERY: '4', RTW_EVENT_QUEUE_SIZE: '8' },
    );
    expect([vars.auditIntervalSeconds, vars.auditRejudgeEvery, vars.eventQueueSize]).toEqual([61, 4, 8]);
    expect(() => serveOptions({ 'audit-interval-seconds': 'x' }, {})).toThrow(
      '--audit-interval-seconds must be an integer from 0 to 86400, got "x"',
    );
    expect(() => serveOptions({ 'audit-rejudge-every': 'x' }, {})).toThrow(
      '--audit-rejudge-every must be an integer from 0 to 1000, got "x"',
    );
  });

  it('both: the audit settings as given, 0 still turning the audit off', () => {
    const both = serveOptions({ 'audit-interval-seconds': '0', 'audit-cpu-share': '0.5' }, {});
    expect([both.auditIntervalSeconds, both.auditCpuShare]).toEqual([0, 0.5]);
  });
});
