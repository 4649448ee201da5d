import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../../src/cluster/cluster-state.js';
import { FileClusterState } from '../../src/cluster/file-state.js';
import { fullGarbageCollection, SettledReadiness } from '../../src/commands/settle.js';

/** A state that turns synced when told to. */
function switchableState(): { state: ClusterState; sync: () => void } {
  const files = new FileClusterState(['examples/quickstart']);
  let synced = false;
  const state = Object.assign(Object.create(files) as FileClusterState, {
    isSynced: () => synced,
  });
  return { state, sync: () => (synced = true) };
}

describe('SettledReadiness', () => {
  it('is not ready before the first sync, then collects once and is ready from then on', async () => {
    const { state, sync } = switchableState();
    await state.start();
    let collections = 0;
    const reported: number[] = [];
    const readiness = new SettledReadiness(
      state,
      () => collections++,
      (ms) => reported.push(ms),
    );
    expect(readiness.isSynced()).toBe(false);
    expect(collections).toBe(0);
    sync();
    expect(readiness.isSynced()).toBe(true);
    expect(readiness.isSynced()).toBe(true);
    expect(collections).toBe(1);
    expect(reported).toHaveLength(1);
  });

  it('runs the task put before settling once the caches synced, and settles only after it', async () => {
    const { state, sync } = switchableState();
    await state.start();
    let collections = 0;
    const readiness = new SettledReadiness(state, () => collections++);
    let runs = 0;
    let finish: () => void = () => {};
    readiness.beforeSettling(() => {
      runs++;
      return new Promise<void>((resolve) => (finish = resolve));
    });
    expect(() => readiness.beforeSettling(async () => {})).toThrow('one task');
    expect(readiness.isSynced()).toBe(false);
    expect(runs).toBe(0);
    sync();
    expect(readiness.isSynced()).toBe(false);
    expect(readiness.isSynced()).toBe(false);
    expect([runs, collections]).toEqual([1, 0]);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(readiness.isSynced()).toBe(true);
    expect([runs, collections]).toEqual([1, 1]);
  });

  it('settles after a task that failed too (the task reports its own failures)', async () => {
    const { state, sync } = switchableState();
    await state.start();
    const readiness = new SettledReadiness(state, () => {});
    readiness.beforeSettling(() => Promise.reject(new Error('apiserver gone')));
    sync();
    expect(readiness.isSynced()).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(readiness.isSynced()).toBe(true);
  });

  it('answers lookups from the cluster state', async () => {
    const state = new FileClusterState(['examples/quickstart']);
    await state.start();
    const readiness = new SettledReadiness(state, () => {});
    expect(readiness.getRollout('shop', 'shop')).toBe(state.getRollout('shop', 'shop'));
    expect(readiness.getIngress('shop', 'shop')).toBe(state.getIngress('shop', 'shop'));
    expect(readiness.getService('shop', 'shop-stable')).toBe(state.getService('shop', 'shop-stable'));
    expect(readiness.ingressClasses()).toEqual(state.ingressClasses());
    expect(readiness.rolloutsReferencingIngress('shop', 'shop')).toEqual(
      state.rolloutsReferencingIngress('shop', 'shop'),
    );
    expect(readiness.getRollout('shop', 'shop')).toBeDefined();
  });
});

describe('fullGarbageCollection', () => {
  it('collects garbage without Node being started with --expose-gc', () => {
    const collect = fullGarbageCollection();
    // Alive while measured, so that it is counted; garbage once let go.
    const holder: { garbage?: unknown[] } = {
      garbage: Array.from({ length: 300_000 }, (_, i) => ({ i, s: `x${i}` })),
    };
    const withGarbage = process.memoryUsage().heapUsed;
    delete holder.garbage;
    collect();
    expect(process.memoryUsage().heapUsed).toBeLessThan(withGarbage - 10 * 2 ** 20);
  });
});
