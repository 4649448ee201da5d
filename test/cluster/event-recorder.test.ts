import { describe, expect, it, vi } from 'vitest';
import {
  apiEventSink,
  EventRecorder,
  microTime,
  SERIES_WINDOW_MS,
  type EventRecord,
  type EventSink,
  type EventWriteResult,
} from '../../src/cluster/event-recorder.js';
import { ApiError } from '../../src/cluster/kube-api.js';
import { isOnRequestPath, runOnRequestPath } from '../../src/cluster/request-path.js';
import type { JsonObject } from '../../src/routing/model.js';
import { expectLinear, measureScaling, scalingTest } from '../support/scaling.js';

interface Call {
  verb: 'create' | 'patch';
  namespace: string;
  name?: string;
  body: JsonObject;
  onRequestPath: boolean;
}

function recordingSink(fail?: (call: Call) => Error | undefined): { sink: EventSink; calls: Call[] } {
  const calls: Call[] = [];
  const sink: EventSink = {
    async create(namespace, event) {
      const call: Call = { verb: 'create', namespace, body: event, onRequestPath: isOnRequestPath() };
      calls.push(call);
      const error = fail?.(call);
      if (error) throw error;
    },
    async patch(namespace, name, patch) {
      const call: Call = { verb: 'patch', namespace, name, body: patch, onRequestPath: isOnRequestPath() };
      calls.push(call);
      const error = fail?.(call);
      if (error) throw error;
    },
  };
  return { sink, calls };
}

const restored: EventRecord = {
  regarding: {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    namespace: 'shop',
    name: 'web',
    uid: 'u1',
  },
  related: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', namespace: 'shop', name: 'web' },
  type: 'Warning',
  reason: 'TrafficStateRestored',
  action: 'Restore',
  note: '[rollout-owned-key-restored] alb.ingress.kubernetes.io/actions.web: kept Rollout web',
};

function recorder(sink: EventSink, now: () => number, extra: { capacity?: number } = {}) {
  const results: EventWriteResult[] = [];
  const r = new EventRecorder({
    sink,
    controller: 'rollouts-traffic-webhook',
    instance: 'pod-1',
    now,
    onResult: (x) => results.push(x),
    ...extra,
  });
  return { r, results };
}

describe('EventRecorder', () => {
  it('writes the first occurrence as a new events.k8s.io/v1 Event, off the request path', async () => {
    const { sink, calls } = recordingSink();
    const { r, results } = recorder(sink, () => Date.UTC(2026, 11, 3, 8, 0, 0, 123));
    runOnRequestPath(() => r.record(restored));
    await r.flushed();
    expect(results).toEqual(['created']);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call!.onRequestPath).toBe(false);
    expect(call!.body).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: expect.stringMatching(/^web\.[0-9a-f]+$/), namespace: 'shop' },
      eventTime: '2026-12-03T08:00:00.123000Z',
      reportingController: 'rollouts-traffic-webhook',
      reportingInstance: 'pod-1',
      action: 'Restore',
      reason: 'TrafficStateRestored',
      type: 'Warning',
      note: restored.note,
      regarding: restored.regarding,
      related: restored.related,
    });
  });

  it('turns repeats into one Event whose series count grows', async () => {
    const { sink, calls } = recordingSink();
    let now = 1_000_000;
    const { r, results } = recorder(sink, () => now);
    r.record(restored);
    await r.flushed();
    // Each repeat comes after the series' update interval (10 s, then 20 s, then 40 s), so
    // each is written at once.
    for (const step of [15_000, 25_000, 45_000]) {
      now += step;
      r.record(restored);
      await r.flushed();
    }
    expect(results).toEqual(['created', 'patched', 'patched', 'patched']);
    const name = (calls[0]!.body['metadata'] as JsonObject)['name'];
    expect(calls.slice(1).map((c) => [c.verb, c.name, c.body])).toEqual([
      ['patch', name, { series: { count: 2, lastObservedTime: microTime(1_015_000) } }],
      ['patch', name, { series: { count: 3, lastObservedTime: microTime(1_040_000) } }],
      ['patch', name, { series: { count: 4, lastObservedTime: microTime(1_085_000) } }],
    ]);
  });

  it('folds a burst that arrives before the writer runs into one write with its count', async () => {
    const { sink, calls } = recordingSink();
    const { r } = recorder(sink, () => 5000);
    for (let i = 0; i < 5; i++) r.record(restored);
    expect(r.queued()).toBe(1);
    await r.flushed();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body['series']).toEqual({ count: 5, lastObservedTime: microTime(5000) });
  });

  it('starts a new Event after the series window, or when the old one is gone (404)', async () => {
    let gone = false;
    const { sink, calls } = recordingSink((call) =>
      gone && call.verb === 'patch' ? new ApiError('not found', 404) : undefined,
    );
    let now = 0;
    const { r, results } = recorder(sink, () => now);
    r.record(restored);
    await r.flushed();
    now += SERIES_WINDOW_MS + 1;
    r.record(restored);
    await r.flushed();
    gone = true;
    now += 10_000;
    r.record(restored);
    await r.flushed();
    expect(calls.map((c) => c.verb)).toEqual(['create', 'create', 'patch', 'create']);
    expect(results).toEqual(['created', 'created', 'created']);
  });

  it('extends a series up to exactly the window after its last occurrence', async () => {
    const { sink, calls } = recordingSink();
    let now = 0;
    const { r } = recorder(sink, () => now);
    r.record(restored);
    await r.flushed();
    now = SERIES_WINDOW_MS;
    r.record(restored);
    await r.flushed();
    expect(calls.map((c) => c.verb)).toEqual(['create', 'patch']);
  });

  it('counts a PATCH refused with anything but 404 as failed, without creating a new Event', async () => {
    const { sink, calls } = recordingSink((call) =>
      call.verb === 'patch' ? new ApiError('internal error', 500) : undefined,
    );
    let now = 0;
    const { r, results } = recorder(sink, () => now);
    r.record(restored);
    await r.flushed();
    now = 20_000;
    r.record(restored);
    await r.flushed();
    expect(calls.map((c) => c.verb)).toEqual(['create', 'patch']);
    expect(results).toEqual(['created', 'failed']);
    await r.stop();
  });

  it('names Events after the object, cut to 200 characters, with the time and a 4-digit sequence in hex', async () => {
    const { sink, calls } = recordingSink();
    const { r } = recorder(sink, () => 0x1234);
    const long = 'n'.repeat(250);
    r.record({ ...restored, regarding: { ...restored.regarding, name: long } });
    r.record({ ...restored, note: 'another' });
    await r.flushed();
    const names = calls.map((c) => (c.body['metadata'] as JsonObject)['name']);
    expect(names).toEqual([`${'n'.repeat(200)}.12340000`, 'web.12340001']);
  });

  it('cuts reason and action to 128 characters and reportingInstance to 128', async () => {
    const { sink, calls } = recordingSink();
    const r = new EventRecorder({
      sink,
      controller: 'rollouts-traffic-webhook',
      instance: 'p'.repeat(130),
      now: () => 0,
    });
    r.record({ ...restored, reason: 'R'.repeat(130), action: 'A'.repeat(130) });
    await r.flushed();
    expect(calls[0]!.body).toMatchObject({
      reason: 'R'.repeat(128),
      action: 'A'.repeat(128),
      reportingInstance: 'p'.repeat(128),
    });
  });

  it('keeps Events that differ only in where their fields split apart', async () => {
    const { sink, calls } = recordingSink();
    const { r } = recorder(sink, () => 0);
    r.record({ ...restored, reason: 'AB', note: 'C' });
    r.record({ ...restored, reason: 'A', note: 'BC' });
    await r.flushed();
    expect(calls.map((c) => [c.body['reason'], c.body['note']])).toEqual([
      ['AB', 'C'],
      ['A', 'BC'],
    ]);
  });

  it('forgets the least recently written series beyond seriesCapacity: its repeat starts a new Event', async () => {
    const { sink, calls } = recordingSink();
    let now = 0;
    const r = new EventRecorder({ sink, controller: 'c', instance: 'i', now: () => now, seriesCapacity: 2 });
    for (const note of ['a', 'b', 'c']) r.record({ ...restored, note });
    await r.flushed();
    now = 20_000;
    r.record({ ...restored, note: 'a' });
    r.record({ ...restored, note: 'c' });
    await r.flushed();
    expect(calls.map((c) => `${c.verb} ${c.body['note'] ?? ''}`)).toEqual([
      'create a',
      'create b',
      'create c',
      'create a',
      'patch ',
    ]);
  });

  it('forgets the series written least recently: a PATCH makes a series the most recent again', async () => {
    const { sink, calls } = recordingSink();
    let now = 0;
    const r = new EventRecorder({ sink, controller: 'c', instance: 'i', now: () => now, seriesCapacity: 2 });
    r.record({ ...restored, note: 'a' });
    r.record({ ...restored, note: 'b' });
    await r.flushed();
    now = 20_000;
    r.record({ ...restored, note: 'a' });
    await r.flushed();
    r.record({ ...restored, note: 'c' });
    await r.flushed();
    now = 60_000;
    r.record({ ...restored, note: 'a' });
    r.record({ ...restored, note: 'b' });
    await r.flushed();
    expect(calls.map((c) => `${c.verb} ${c.body['note'] ?? ''}`)).toEqual([
      'create a',
      'create b',
      'patch ',
      'create c',
      'patch ',
      'create b',
    ]);
  });

  it('works without an onResult callback (created, patched, failed and dropped)', async () => {
    let fail = false;
    const { sink, calls } = recordingSink(() => (fail ? new ApiError('refused', 403) : undefined));
    let now = 0;
    const r = new EventRecorder({ sink, controller: 'c', instance: 'i', now: () => now, capacity: 1 });
    r.record(restored);
    r.record({ ...restored, note: 'dropped: the queue holds one' });
    await r.flushed();
    now = 20_000;
    r.record(restored);
    await r.flushed();
    fail = true;
    r.record({ ...restored, note: 'refused' });
    await r.flushed();
    expect(calls.map((c) => c.verb)).toEqual(['create', 'patch', 'create']);
    await r.stop();
  });

  it('holds repeats that come within the update interval and writes them as one PATCH when it is over', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const { sink, calls } = recordingSink();
      let now = 2_000_000;
      const { r, results } = recorder(sink, () => now);
      r.record(restored);
      await r.flushed();
      // Five re-applies 1 s apart: none is written while the interval runs.
      for (let i = 0; i < 5; i++) {
        now += 1_000;
        vi.advanceTimersByTime(1_000);
        r.record(restored);
        await r.flushed();
      }
      expect(calls.map((c) => c.verb)).toEqual(['create']);
      expect(r.queued()).toBe(1);
      // 9 s after the create: still waiting.
      now = 2_009_000;
      vi.advanceTimersByTime(4_000);
      await r.flushed();
      expect(calls).toHaveLength(1);
      // 10 s after it: one PATCH carrying all five, stamped with the last one's time.
      now = 2_010_000;
      vi.advanceTimersByTime(1_000);
      await r.flushed();
      const name = (calls[0]!.body['metadata'] as JsonObject)['name'];
      expect(calls.slice(1).map((c) => [c.verb, c.name, c.body])).toEqual([
        ['patch', name, { series: { count: 6, lastObservedTime: microTime(2_005_000) } }],
      ]);
      expect(results).toEqual(['created', 'patched']);
      expect(r.queued()).toBe(0);
      // Nothing waits any more, so the sweep timer is gone.
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('thins a sustained re-apply loop: the interval doubles with each update, up to five minutes', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const { sink, calls } = recordingSink();
      const start = 3_000_000;
      let now = start;
      const { r } = recorder(sink, () => now);
      r.record(restored);
      await r.flushed();
      // A re-apply every 6 s for 20 minutes, the clock and the sweep moving 1 s at a time.
      for (let second = 1; second <= 1_200; second++) {
        now = start + second * 1_000;
        vi.advanceTimersByTime(1_000);
        if (second % 6 === 0) r.record(restored);
        await r.flushed();
      }
      // Worked out by hand: created at 0 s; due again 10 s after that, then 20, 40, 80, 160 s
      // after each update, then every 300 s (320 capped). Each PATCH carries the repeats that
      // waited, stamped with the last one's time: writes at 10, 30, 70, 150, 310, 610, 910 s.
      const at = (second: number) => microTime(start + second * 1_000);
      expect(calls.map((c) => [c.verb, c.body['series']])).toEqual([
        ['create', undefined],
        ['patch', { count: 2, lastObservedTime: at(6) }],
        ['patch', { count: 6, lastObservedTime: at(30) }],
        ['patch', { count: 12, lastObservedTime: at(66) }],
        ['patch', { count: 26, lastObservedTime: at(150) }],
        ['patch', { count: 52, lastObservedTime: at(306) }],
        ['patch', { count: 102, lastObservedTime: at(606) }],
        ['patch', { count: 152, lastObservedTime: at(906) }],
      ]);
      // The 49 re-applies since 912 s wait for the write due at 1,210 s.
      expect(r.queued()).toBe(1);
      await r.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('holds a repeat that arrives while the first write is in flight (the series is written once per interval)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      let now = 0;
      let release: () => void = () => undefined;
      const calls: string[] = [];
      const sink: EventSink = {
        async create() {
          calls.push('create');
          await new Promise<void>((resolve) => (release = resolve));
        },
        async patch() {
          calls.push('patch');
        },
      };
      const { r } = recorder(sink, () => now);
      r.record(restored);
      await new Promise((resolve) => setImmediate(resolve));
      // The create is in flight; a repeat arrives and queues behind it.
      r.record(restored);
      release();
      await r.flushed();
      expect(calls).toEqual(['create']);
      now = 10_000;
      vi.advanceTimersByTime(1_000);
      await r.flushed();
      expect(calls).toEqual(['create', 'patch']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('starts the backoff over after a successful write', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let failing = 3;
      const { sink, calls } = recordingSink(() =>
        failing-- > 0 ? new ApiError('unavailable', 503) : undefined,
      );
      const { r, results } = recorder(sink, () => 0);
      const tick = async (ms: number) => {
        vi.advanceTimersByTime(ms);
        await new Promise((resolve) => setImmediate(resolve));
        await r.flushed();
      };
      // A failed write is counted and not retried; the next queued event goes after the wait.
      for (const note of ['a', 'b', 'c', 'd']) r.record({ ...restored, note });
      await r.flushed();
      // Waits of at most 1, 2 and 4 s: three failures, then the write that succeeds.
      for (let s = 0; s < 7; s++) await tick(1_000);
      expect(results).toEqual(['failed', 'failed', 'failed', 'created']);
      // The next failure waits at most 1 s again, not 8 s.
      failing = 1;
      r.record({ ...restored, note: 'e' });
      r.record({ ...restored, note: 'f' });
      await r.flushed();
      expect(results.at(-1)).toBe('failed');
      await tick(1_000);
      expect(results.at(-1)).toBe('created');
      expect(calls).toHaveLength(6);
    } finally {
      vi.useRealTimers();
    }
  });

  it('drops and counts new events beyond the queue capacity; repeats of queued ones still count', async () => {
    const { sink, calls } = recordingSink();
    const { r, results } = recorder(sink, () => 0, { capacity: 2 });
    const named = (name: string): EventRecord => ({
      ...restored,
      regarding: { ...restored.regarding, name },
    });
    r.record(named('a'));
    r.record(named('b'));
    r.record(named('c'));
    r.record(named('a'));
    await r.flushed();
    expect(results.filter((x) => x === 'dropped')).toHaveLength(1);
    expect(calls.map((c) => [(c.body['regarding'] as JsonObject)['name'], c.body['series']])).toEqual([
      ['a', { count: 2, lastObservedTime: microTime(0) }],
      ['b', undefined],
    ]);
  });

  it('counts a failed write and carries on with the queue after a backoff wait', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { sink, calls } = recordingSink((call) =>
        (call.body['regarding'] as JsonObject)['name'] === 'bad' ? new ApiError('forbidden', 403) : undefined,
      );
      const { r, results } = recorder(sink, () => 0);
      r.record({ ...restored, regarding: { ...restored.regarding, name: 'bad' } });
      r.record(restored);
      await r.flushed();
      expect(results).toEqual(['failed']);
      expect(r.queued()).toBe(1);
      // The first wait is drawn from 0.5-1 s.
      vi.advanceTimersByTime(1_000);
      await new Promise((resolve) => setImmediate(resolve));
      await r.flushed();
      expect(results).toEqual(['failed', 'created']);
      expect(calls).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not hammer an apiserver that refuses every Event: one write per backoff wait, doubling', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { sink, calls } = recordingSink(() => new ApiError('forbidden', 403));
      const { r, results } = recorder(sink, () => 0);
      const tick = async (ms: number) => {
        vi.advanceTimersByTime(ms);
        await new Promise((resolve) => setImmediate(resolve));
        await r.flushed();
      };
      for (let i = 0; i < 50; i++) r.record({ ...restored, note: `n${i}` });
      await r.flushed();
      expect(calls).toHaveLength(1);
      // Waits are drawn from the upper half of 1, 2, 4, 8 s: after 1 s one more write at most,
      // and 15 s in all cover four waits, not fifteen.
      await tick(1_000);
      expect(calls).toHaveLength(2);
      for (let s = 0; s < 14; s++) await tick(1_000);
      expect(calls.length).toBeGreaterThanOrEqual(4);
      expect(calls.length).toBeLessThanOrEqual(5);
      expect(results.every((x) => x === 'failed')).toBe(true);
      // Nothing was lost: what was not written still waits.
      expect(r.queued()).toBe(50 - calls.length);
      await r.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('on stop(flushMs) writes the repeats still waiting for their interval, then takes no more', async () => {
    const { sink, calls } = recordingSink();
    let now = Date.UTC(2026, 11, 3, 8, 0, 0);
    const start = now;
    const { r, results } = recorder(sink, () => now);
    r.record(restored);
    await r.flushed();
    // Two repeats 2 and 4 s later: the series was written less than 10 s ago, so they wait.
    now = start + 2_000;
    r.record(restored);
    now = start + 4_000;
    r.record(restored);
    await r.flushed();
    expect(calls).toHaveLength(1);
    expect(r.queued()).toBe(1);
    now = start + 5_000;
    await r.stop(1_000);
    expect(calls.map((c) => [c.verb, c.body])).toEqual([
      ['create', expect.objectContaining({ reason: 'TrafficStateRestored' })],
      ['patch', { series: { count: 3, lastObservedTime: microTime(start + 4_000) } }],
    ]);
    expect(results).toEqual(['created', 'patched']);
    r.record(restored);
    await r.flushed();
    expect(calls).toHaveLength(2);
    expect(r.queued()).toBe(0);
  });

  it('on stop() without a flush time drops the waiting repeats', async () => {
    const { sink, calls } = recordingSink();
    let now = 0;
    const { r } = recorder(sink, () => now);
    r.record(restored);
    await r.flushed();
    now = 2_000;
    r.record(restored);
    await r.flushed();
    expect(r.queued()).toBe(1);
    await r.stop();
    expect(calls.map((c) => c.verb)).toEqual(['create']);
    expect(r.queued()).toBe(0);
  });

  describe('leaves no timer behind when it stops', () => {
    const allTimers: Parameters<typeof vi.useFakeTimers>[0] = {
      toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    };

    it('with repeats waiting (the sweep timer), flushed or not', async () => {
      vi.useFakeTimers(allTimers);
      try {
        for (const flushMs of [0, 1_000]) {
          const { sink, calls } = recordingSink();
          let now = 0;
          const { r } = recorder(sink, () => now);
          r.record(restored);
          await r.flushed();
          now = 2_000;
          r.record(restored);
          await r.flushed();
          expect(vi.getTimerCount()).toBe(1);
          await r.stop(flushMs);
          expect(calls.map((c) => c.verb)).toEqual(flushMs > 0 ? ['create', 'patch'] : ['create']);
          expect(r.queued()).toBe(0);
          expect(vi.getTimerCount()).toBe(0);
        }
      } finally {
        vi.useRealTimers();
      }
    });

    it('after a failed write (the backoff timer); a flush tries once more at once', async () => {
      vi.useFakeTimers(allTimers);
      try {
        for (const flushMs of [0, 1_000]) {
          let failures = 1;
          const { sink, calls } = recordingSink(() =>
            failures-- > 0 ? new ApiError('unavailable', 503) : undefined,
          );
          const { r, results } = recorder(sink, () => 0);
          // The first write fails (that event is dropped, counted); the second waits out the backoff.
          r.record(restored);
          r.record({ ...restored, note: 'second' });
          await r.flushed();
          expect(r.queued()).toBe(1);
          expect(vi.getTimerCount()).toBe(1);
          await r.stop(flushMs);
          expect(results).toEqual(flushMs > 0 ? ['failed', 'created'] : ['failed']);
          expect(calls.map((c) => c.body['note'])).toEqual(
            flushMs > 0 ? [restored.note, 'second'] : [restored.note],
          );
          expect(vi.getTimerCount()).toBe(0);
        }
      } finally {
        vi.useRealTimers();
      }
    });
  });

  it('on stop(flushMs) gives up after flushMs and aborts a write that hangs', async () => {
    const aborted: unknown[] = [];
    const sink: EventSink = {
      create: (_namespace, _event, signal) =>
        new Promise<void>((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            aborted.push(signal.reason);
            reject(signal.reason as Error);
          }),
        ),
      patch: () => Promise.resolve(),
    };
    const { r, results } = recorder(sink, () => 0);
    r.record(restored);
    r.record({ ...restored, note: 'second' });
    const started = performance.now();
    await r.stop(50);
    const took = performance.now() - started;
    // The flush waited its 50 ms (timers may fire a little early or late), not the 5 s write
    // timeout; the hung write was aborted by stop, the second event dropped.
    expect(took).toBeGreaterThanOrEqual(40);
    expect(took).toBeLessThan(4_000);
    expect(aborted).toHaveLength(1);
    expect(String(aborted[0])).toContain('event recorder stopped');
    expect(results).toEqual([]);
    expect(r.queued()).toBe(0);
  });

  it('on stop(flushMs) ends the flush at the first failed write instead of backing off', async () => {
    const { sink, calls } = recordingSink(() => new ApiError('forbidden', 403));
    const { r, results } = recorder(sink, () => 0);
    r.record(restored);
    r.record({ ...restored, note: 'second' });
    const started = performance.now();
    await r.stop(10_000);
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(calls).toHaveLength(1);
    expect(results).toEqual(['failed']);
  });

  it('keeps a note of exactly 1 KiB whole, and cuts an ASCII one without losing a character', async () => {
    const { sink, calls } = recordingSink();
    const { r } = recorder(sink, () => 0);
    r.record({ ...restored, note: 'x'.repeat(1024) });
    r.record({ ...restored, note: 'y'.repeat(2000) });
    await r.flushed();
    expect(calls.map((c) => c.body['note'])).toEqual(['x'.repeat(1024), `${'y'.repeat(1021)}...`]);
  });

  it('cuts a note to the 1 KiB the apiserver accepts', async () => {
    const { sink, calls } = recordingSink();
    const { r } = recorder(sink, () => 0);
    r.record({ ...restored, note: 'é'.repeat(1000) });
    await r.flushed();
    const note = calls[0]!.body['note'] as string;
    // 1,021 bytes end in the middle of the 511th 'é' (two bytes each): that half is dropped.
    expect(note).toBe(`${'é'.repeat(510)}...`);
    expect(Buffer.byteLength(note)).toBe(1023);
  });

  scalingTest('records in constant time per call (n vs 8n distinct events, bounded queue)', () => {
    const { sink } = recordingSink();
    const notes = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);
    const recordAll = (of: string[]) => {
      const { r } = recorder(sink, () => 0, { capacity: 100 });
      for (const note of of) r.record({ ...restored, note });
      void r.stop();
    };
    expectLinear(measureScaling(notes, recordAll, 2_000), 'EventRecorder.record');
  });
});

describe('apiEventSink', () => {
  it('creates with POST and updates with a merge PATCH under events.k8s.io/v1, names escaped', async () => {
    const sent: unknown[][] = [];
    const sink = apiEventSink({
      send: async (...args) => {
        sent.push(args);
        return undefined;
      },
    });
    const signal = new AbortController().signal;
    await sink.create('team a', { kind: 'Event' }, signal);
    await sink.patch('team a', 'web.1/2', { series: { count: 2 } }, signal);
    expect(sent).toEqual([
      ['POST', '/apis/events.k8s.io/v1/namespaces/team%20a/events', { kind: 'Event' }, signal],
      [
        'PATCH',
        '/apis/events.k8s.io/v1/namespaces/team%20a/events/web.1%2F2',
        { series: { count: 2 } },
        signal,
        'application/merge-patch+json',
      ],
    ]);
  });
});
