import { describe, expect, it } from 'vitest';
import { ceilingOf, hookTimeOf } from '../../bench/ceiling.js';

describe('ceilingOf: what the throughput targets leave for the webhook', () => {
  // bare-fastify at 10,000/s costs 100 µs a review; with the mutating answer 8,000/s (125 µs);
  // with 40 µs of busy work on top 5,000/s (200 µs): each µs of work costs (200 − 125) / 40.
  const runs = [
    { work_us: 0, rps: 8000 },
    { work_us: 40, rps: 5000 },
  ];

  it('prices the answer and the work, and solves each target for the work it allows', () => {
    expect(ceilingOf(10_000, runs, { 'mutate-ingress': 55.5 })).toEqual({
      runs,
      answer_cost_us: 25,
      cost_per_work_us: 1.875,
      // mutate: (100 / 0.6 − 125) / 1.875 = 41.666… / 1.875 = 22.2
      // validate: (100 / 0.7 − 100) / 1.875 = 42.857… / 1.875 = 22.9
      work_budget_us: { mutate: 22.2, validate: 22.9 },
      hook_us_at_saturation: { 'mutate-ingress': 55.5 },
    });
  });

  it('gives a negative budget when the answer alone already costs more than the target allows', () => {
    // With the answer 5,500/s (181.8 µs), 0.6 of 10,000/s (166.7 µs) is already out of reach;
    // with the work 4,000/s (250 µs): (250 − 181.8) / 40 = 1.705 µs a µs of work, and
    // (166.7 − 181.8) / 1.705 = −8.9.
    const slow = [
      { work_us: 0, rps: 5500 },
      { work_us: 40, rps: 4000 },
    ];
    expect(ceilingOf(10_000, slow, {})?.work_budget_us.mutate).toBe(-8.9);
  });

  it('has no figures without both runs, or when the work made nothing slower', () => {
    expect(ceilingOf(10_000, [runs[0]!], {})).toBeUndefined();
    expect(ceilingOf(0, runs, {})).toBeUndefined();
    expect(
      ceilingOf(
        10_000,
        [
          { work_us: 0, rps: 8000 },
          { work_us: 40, rps: 8000 },
        ],
        {},
      ),
    ).toBeUndefined();
  });
});

describe('hookTimeOf: a hook time from the webhook metrics', () => {
  const metrics = [
    '# HELP rtw_admission_duration_seconds Time to answer a review.',
    'rtw_admission_duration_seconds_bucket{le="0.001",hook="mutate",kind="Ingress",decision="patched",dry_run="false"} 3',
    'rtw_admission_duration_seconds_sum{hook="mutate",kind="Ingress",decision="patched",dry_run="false"} 0.25',
    'rtw_admission_duration_seconds_count{hook="mutate",kind="Ingress",decision="patched",dry_run="false"} 4000',
    'rtw_admission_duration_seconds_sum{hook="mutate",kind="Ingress",decision="allowed",dry_run="true"} 0.05',
    'rtw_admission_duration_seconds_count{hook="mutate",kind="Ingress",decision="allowed",dry_run="true"} 1000',
    'rtw_admission_duration_seconds_sum{hook="validate",kind="Rollout",decision="allowed",dry_run="false"} 9',
    'rtw_admission_duration_seconds_count{hook="validate",kind="Rollout",decision="allowed",dry_run="false"} 7',
  ].join('\n');

  it('sums every series of the hook, and only of that hook', () => {
    expect(hookTimeOf(metrics, 'mutate')).toEqual({ seconds: 0.3, reviews: 5000 });
    expect(hookTimeOf(metrics, 'validate')).toEqual({ seconds: 9, reviews: 7 });
    expect(hookTimeOf(metrics, 'none')).toEqual({ seconds: 0, reviews: 0 });
  });
});
