// Issue 20: tail sampling is off by default and turned on by one option or, OTEL_TRACES_SAMPLER-style,
// by OTEL_TRACES_SAMPLER=agentrace_tail with its options in OTEL_TRACES_SAMPLER_ARG; an invalid value
// is reported once and replaced by its default. Through init, failed runs are exported, the rest
// sampled, and handle.stats() counts the decisions.
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { init, resolveConfig, TAIL_SAMPLING_DEFAULTS, type TracerHandle } from '@agentrace/tracer';
import { RecordingProcessor } from './utils/tail-sampling.js';

const TAIL = { OTEL_TRACES_SAMPLER: 'agentrace_tail' };

describe('tail sampling configuration', () => {
  it('is off by default', () => {
    const c = resolveConfig({}, {});
    expect(c.tailSampling).toBe(false);
    expect(c.problems).toEqual([]);
  });

  it('turns on with the option, with the defaults or the options given', () => {
    expect(resolveConfig({ tailSampling: true }, {}).tailSampling).toEqual(TAIL_SAMPLING_DEFAULTS);
    expect(resolveConfig({ tailSampling: { ratio: 0.01, slowRunMillis: 2000 } }, {}).tailSampling).toEqual({ ...TAIL_SAMPLING_DEFAULTS, ratio: 0.01, slowRunMillis: 2000 });
  });

  it('turns on with OTEL_TRACES_SAMPLER=agentrace_tail, leaving the head sampler at its default', () => {
    const c = resolveConfig({}, { OTEL_TRACES_SAMPLER: 'AGENTRACE_TAIL' });
    expect(c.tailSampling).toEqual(TAIL_SAMPLING_DEFAULTS);
    expect(c.sampler).toBe('parentbased_always_on');
    expect(c.samplerArg).toBe(1);
    expect(c.problems).toEqual([]);
  });

  it('reads OTEL_TRACES_SAMPLER_ARG as the ratio or as a key=value list', () => {
    expect(resolveConfig({}, { ...TAIL, OTEL_TRACES_SAMPLER_ARG: '0.05' }).tailSampling).toMatchObject({ ratio: 0.05 });
    const c = resolveConfig({}, { ...TAIL, OTEL_TRACES_SAMPLER_ARG: 'ratio=0.2, slowRunMillis=500,maxSpansPerRun=100,maxHeldSpans=1000,maxHoldMillis=60000' });
    expect(c.tailSampling).toEqual({ ratio: 0.2, slowRunMillis: 500, maxSpansPerRun: 100, maxHeldSpans: 1000, maxHoldMillis: 60000 });
    expect(c.problems).toEqual([]);
  });

  it('options win over the environment; tailSampling: false turns it off', () => {
    expect(resolveConfig({ tailSampling: { ratio: 0.3 } }, { ...TAIL, OTEL_TRACES_SAMPLER_ARG: 'ratio=0.2,slowRunMillis=500' }).tailSampling).toMatchObject({ ratio: 0.3, slowRunMillis: 500 });
    expect(resolveConfig({ tailSampling: false }, TAIL).tailSampling).toBe(false);
  });

  type Case = [name: string, options: object, env: Record<string, string>, expected: string, ratio: number | false];
  const cases: Case[] = [
    ['ratio above 1 in the env', {}, { ...TAIL, OTEL_TRACES_SAMPLER_ARG: '2' }, 'tailSampling.ratio (from OTEL_TRACES_SAMPLER_ARG) is "2"; accepted: a number from 0 to 1; using 0.1 (the default) instead', 0.1],
    ['a list entry without a value', {}, { ...TAIL, OTEL_TRACES_SAMPLER_ARG: 'ratio' }, 'OTEL_TRACES_SAMPLER_ARG is "ratio"; accepted: a ratio, or a list like ratio=0.05,slowRunMillis=5000', 0.1],
    ['an unknown key in the env', {}, { ...TAIL, OTEL_TRACES_SAMPLER_ARG: 'ratio=0.5,rate=3' }, 'OTEL_TRACES_SAMPLER_ARG is "rate=3"; accepted: entries ratio, slowRunMillis', 0.5],
    ['a negative option', { tailSampling: { maxSpansPerRun: -1 } }, {}, 'tailSampling.maxSpansPerRun is -1; accepted: a whole number from 1', 0.1],
    ['an unknown option', { tailSampling: { rate: 0.5 } }, {}, 'tailSampling.rate is 0.5; accepted: no such option', 0.1],
    ['not an object', { tailSampling: 'yes' }, {}, 'tailSampling is "yes"; accepted: true, false or an options object; tail sampling stays off', false],
  ];

  it.each(cases)('reports one problem and uses the default: %s', (_name, options, env, expected, ratio) => {
    const c = resolveConfig(options as never, env);
    expect(c.problems).toHaveLength(1);
    expect(c.problems[0]).toContain(expected);
    expect(c.tailSampling === false ? false : c.tailSampling.ratio).toBe(ratio);
  });
});

describe('tail sampling through init', () => {
  let handle: TracerHandle | undefined;
  afterEach(async () => {
    await handle?.shutdown();
    handle = undefined;
  });

  it('exports failed runs whole, drops the rest at ratio 0, and counts the decisions in stats()', async () => {
    const exported = new RecordingProcessor();
    handle = init({ serviceName: 'tail-init', exporter: exported, tailSampling: { ratio: 0 }, handleExit: false, http: false, queues: false });
    const tracer = trace.getTracer('t');
    const run = (fail: boolean): string =>
      tracer.startActiveSpan('run', (root) => {
        tracer.startActiveSpan('step', (step) => {
          if (fail) step.setStatus({ code: SpanStatusCode.ERROR });
          step.end();
        });
        root.end();
        return root.spanContext().traceId;
      });
    const failed = run(true);
    const ok = run(false);
    await handle.forceFlush();
    expect(exported.byTrace.get(failed)?.map((s) => s.name)).toEqual(['step', 'run']);
    expect(exported.byTrace.has(ok)).toBe(false);
    const stats = handle.stats().tailSampling!;
    expect(stats.decided).toBe(2);
    expect(stats.kept.failed).toBe(1);
    expect(stats.dropped).toBe(1);
  });

  it('leaves stats() without tailSampling when it is off', () => {
    handle = init({ serviceName: 'tail-off', exporter: 'none', handleExit: false, http: false, queues: false });
    expect(handle.stats().tailSampling).toBeUndefined();
  });
});
