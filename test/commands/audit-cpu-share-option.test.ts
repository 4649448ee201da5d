import { describe, expect, it } from 'vitest';
import { serveOptions } from '../../src/commands/options.js';

describe('--audit-cpu-share', () => {
  it('defaults to 0.1 and reads the flag before RTW_AUDIT_CPU_SHARE', () => {
    expect(serveOptions({}, {}).auditCpuShare).toBe(0.1);
    expect(serveOptions({}, { RTW_AUDIT_CPU_SHARE: '.25' }).auditCpuShare).toBe(0.25);
    expect(serveOptions({ 'audit-cpu-share': '1' }, { RTW_AUDIT_CPU_SHARE: '0.5' }).auditCpuShare).toBe(1);
    expect(serveOptions({ 'audit-cpu-share': '0.05' }, {}).auditCpuShare).toBe(0.05);
  });

  it('refuses anything but a decimal above 0 and at most 1, naming the flag', () => {
    for (const text of ['0', '0.0', '1.5', '2', '-0.1', '10%', '1e-1', '0x1', ' 0.1', '0.', 'abc', ''])
      expect(() => serveOptions({ 'audit-cpu-share': text }, {}), text).toThrow(
        /--audit-cpu-share must be a decimal above 0 and at most 1/,
      );
  });
});
