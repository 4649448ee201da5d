import { describe, expect, it } from 'vitest';
import { shortWarning } from '../../src/webhook/admission/response.js';
import { splitFix, warningText } from '../../src/webhook/hooks/findings.js';

const finding = (rule: string, message: string) => ({
  severity: 'warning' as const,
  rule,
  field: 'f',
  message,
});

describe('admission warnings lead with the rule id and the fix', () => {
  it('takes the text after "Fix: ", keeping a trailing note in the rest', () => {
    expect(
      splitFix(
        'annotation a is not used: no path. Fix: set port.name to "use-annotation". (No path reads it.)',
      ),
    ).toEqual({
      fix: 'set port.name to "use-annotation".',
      rest: 'annotation a is not used: no path. (No path reads it.)',
    });
  });

  it('takes the last sentence when there is no marker, ignoring dots inside values', () => {
    expect(
      splitFix('Service "a.b" has no port 8080 (it has: 80). Set alb.servicePort to a port of the Service.'),
    ).toEqual({
      fix: 'Set alb.servicePort to a port of the Service.',
      rest: 'Service "a.b" has no port 8080 (it has: 80).',
    });
  });

  it('keeps a message with no recognisable fix whole', () => {
    expect(splitFix('heads up')).toEqual({ fix: '', rest: 'heads up' });
  });

  it('keeps the fix inside the apiserver 120-character cut for a real long message', () => {
    // The message of service-lacks-alb-port: 226 characters, its fix at the very end.
    const message =
      'Service "shop-canary" (canaryService) has no port 8080 (it has: 80), so the AWS Load Balancer Controller fails with "unable to find port 8080 on service default/shop-canary". Set alb.servicePort to a port of the Service.';
    const shown = shortWarning(warningText(finding('service-lacks-alb-port', message)));
    expect(shown.length).toBeLessThanOrEqual(120);
    expect(
      shown.startsWith(
        'service-lacks-alb-port: Set alb.servicePort to a port of the Service. Service "shop-canary"',
      ),
    ).toBe(true);
    // Before: the cut kept only the problem.
    expect(shortWarning(message)).not.toContain('Set alb.servicePort');
  });

  it('marks errors admitted in warn mode', () => {
    expect(warningText(finding('r', 'Bad thing. Do this.'), 'would deny')).toBe(
      'r (would deny): Do this. Bad thing.',
    );
  });

  it('costs linear time in the message length (n vs 8n)', () => {
    // Best of five runs, so a busy machine's pauses do not count; linear is 8x, quadratic 64x.
    const time = (n: number) => {
      const message = `${'a.b '.repeat(n)}end`;
      let best = Infinity;
      for (let run = 0; run < 5; run++) {
        const start = process.hrtime.bigint();
        for (let i = 0; i < 10; i++) splitFix(message);
        best = Math.min(best, Number(process.hrtime.bigint() - start));
      }
      return best;
    };
    time(1000);
    const small = time(10_000);
    const large = time(80_000);
    expect(large / small).toBeLessThan(40);
  });
});
