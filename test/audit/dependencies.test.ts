import { describe, expect, it } from 'vitest';
import { namespacesToJudge } from '../../src/audit/auditor.js';
import { ReadRecorder } from '../../src/audit/dependencies.js';
import { ClusterStore } from '../../src/cluster/store.js';
import { expectLinear, measureScaling, scalingTest } from '../support/scaling.js';

describe('ReadRecorder', () => {
  it('records the scope of every lookup, found or not, and starts again after take', () => {
    const recorder = new ReadRecorder(new ClusterStore());
    expect(recorder.getIngress('a', 'x')).toBeUndefined();
    expect(recorder.getService('b', 'x')).toBeUndefined();
    expect(recorder.getRollout('c', 'x')).toBeUndefined();
    expect(recorder.getRoute('HTTPRoute', 'd', 'x')).toBeUndefined();
    expect(recorder.rolloutsReferencingIngress('e', 'x')).toEqual([]);
    expect([...recorder.take()].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(recorder.ingressClasses()).toEqual([]);
    expect(recorder.rolloutsReferencingRoute('GRPCRoute', 'f', 'x')).toEqual([]);
    expect([...recorder.take()].sort()).toEqual(['*', 'GRPCRoute:f/x']);
    expect([...recorder.take()]).toEqual([]);
  });
});

describe('namespacesToJudge', () => {
  const records = new Map([
    ['apps', { reads: new Set(['HTTPRoute:routes/store', '*']) }],
    ['blog', { reads: new Set<string>() }],
    ['shop', { reads: new Set(['*', 'payments']) }],
  ]);
  const everyNamespace = (scope: string) => scope !== '*' && !scope.includes('/');

  it('takes the changed namespaces it covers, the readers of a changed scope, and the extras, sorted', () => {
    expect(namespacesToJudge(records, new Set(['payments', 'zoo']), ['blog'], everyNamespace)).toEqual([
      'blog',
      'payments',
      'shop',
      'zoo',
    ]);
    expect(namespacesToJudge(records, new Set(['HTTPRoute:routes/store']), [], everyNamespace)).toEqual([
      'apps',
    ]);
    expect(namespacesToJudge(records, new Set(['*']), [], everyNamespace)).toEqual(['apps', 'shop']);
    expect(namespacesToJudge(records, new Set(['payments']), [], (scope) => scope === 'shop')).toEqual([
      'shop',
    ]);
    expect(namespacesToJudge(records, new Set(), [], everyNamespace)).toEqual([]);
  });

  scalingTest('takes time linear in the records and the changes (n vs 8n)', () => {
    const input = (n: number) => {
      const many = new Map<string, { reads: Set<string> }>();
      for (let i = 0; i < n; i++) many.set(`ns-${i}`, { reads: new Set([`ns-${i + 1}`, '*']) });
      const changed = new Set<string>();
      for (let i = 0; i < n; i += 2) changed.add(`ns-${i}`);
      return { many, changed };
    };
    expectLinear(
      measureScaling(
        input,
        ({ many, changed }) => namespacesToJudge(many, changed, [], everyNamespace),
        2000,
      ),
      'namespacesToJudge',
    );
  });
});
