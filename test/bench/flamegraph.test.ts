/**
 * The flame graph and the request-path shares of `npm run bench -- --profile`, on a small
 * hand-made profile whose figures are worked out below.
 */
import { describe, expect, it } from 'vitest';
import { flameGraph, samplesAfter, type CpuProfile } from '../../bench/flamegraph.js';
import { sharesByPart } from '../../bench/profile.js';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

// root ─┬─ idle (4 hits)
//       └─ handler (1) ─┬─ answerReview (6)
//                       └─ writeUtf8String (3)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), hitCount: 0, children: [2, 3] },
    { id: 2, callFrame: frame('(idle)'), hitCount: 4 },
    {
      id: 3,
      callFrame: frame('handler', 'file:///x/dist/webhook/review-route.js'),
      hitCount: 1,
      children: [4, 5],
    },
    { id: 4, callFrame: frame('answerReview', 'file:///x/dist/webhook/admission/dispatch.js'), hitCount: 6 },
    { id: 5, callFrame: frame('writeUtf8String'), hitCount: 3 },
  ],
  // Ten samples, one every 100 µs, in this order of nodes.
  samples: [2, 2, 3, 4, 4, 2, 4, 5, 2, 4],
  timeDeltas: Array(10).fill(100),
};

describe('flame graph', () => {
  it('draws one box per busy node, as wide as its share of the busy samples', () => {
    const svg = flameGraph(profile, 'title', 'sub');
    // 10 busy samples over 1,200 px: handler 1,200, answerReview 720, writeUtf8String 360.
    expect(svg).toContain('width="1200.0"');
    expect(svg).toContain('width="720.0"');
    expect(svg).toContain('width="360.0"');
    expect(svg).toContain('answerReview dist/webhook/admission/dispatch.js:1: 60.0% of busy samples');
    expect(svg).not.toContain('(idle)');
  });

  it('keeps only the samples after a point in time, recounted from the sample list', () => {
    // Sample k is taken at 100·k µs; from 500 µs on: samples 5..10, nodes 4, 2, 4, 5, 2, 4.
    const later = samplesAfter(profile, 500);
    const hits = Object.fromEntries(later.nodes.map((n) => [n.id, n.hitCount]));
    expect(hits).toEqual({ 1: 0, 2: 2, 3: 0, 4: 3, 5: 1 });
  });

  it('splits busy time by part of the request path', () => {
    expect(sharesByPart(profile)).toEqual([
      { part: 'hook (answerReview)', share: 60 },
      { part: 'TLS and socket writes', share: 30 },
      { part: 'other (fastify, Node streams, V8)', share: 10 },
    ]);
  });
});
