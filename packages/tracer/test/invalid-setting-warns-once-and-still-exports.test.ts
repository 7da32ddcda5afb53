// OpenTelemetry's rule for environment variables, applied to every setting: an invalid value costs one
// warning (naming the setting, the value given and the values accepted) and that value alone, which
// is replaced by its default; everything else applies and spans are still exported. strict turns the
// same input into an AgentraceConfigError thrown by init().
import { trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentraceConfigError, init, type TracerHandle, type TracerOptions } from '@agentrace/tracer';
import { startOtlpReceiver, type OtlpReceiver } from '@agentrace/testing';

type Case = [name: string, options: TracerOptions, env: Record<string, string>, warning: string];

const cases: Case[] = [
  ['a bad number from the environment', {}, { OTEL_BSP_MAX_QUEUE_SIZE: 'abc' }, 'batch.maxQueueSize (from OTEL_BSP_MAX_QUEUE_SIZE) is "abc"; accepted: a whole number greater than 0; using 262144 (the default) instead'],
  ['a bad number in code', { batch: { scheduledDelayMillis: -1 } }, {}, 'batch.scheduledDelayMillis is -1; accepted: a whole number greater than 0; using 1000 (the default) instead'],
  ['a bad sampler name', {}, { OTEL_TRACES_SAMPLER: 'bogus' }, 'sampler (from OTEL_TRACES_SAMPLER) is "bogus"; accepted: always_on, always_off, traceidratio'],
  ['a bad exporter name', {}, { OTEL_TRACES_EXPORTER: 'otlp,zipkin' }, 'exporter (from OTEL_TRACES_EXPORTER) is "zipkin"; accepted: otlp, console, none'],
  ['a bad boolean', {}, { OTEL_SDK_DISABLED: 'yes' }, 'disabled (from OTEL_SDK_DISABLED) is "yes"; accepted: true, false; using false (the default) instead'],
  ['a bad sampler argument', {}, { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: 'half' }, 'samplerArg (from OTEL_TRACES_SAMPLER_ARG) is "half"; accepted: a number from 0 to 1; using 1 (the default) instead'],
  ['a bad option type in code', { serviceName: 42 as never }, {}, 'serviceName is 42; accepted: a non-empty string'],
  ['a bad log level', { logLevel: 'loud' as never }, {}, 'logLevel is "loud"; accepted: none, error, warn'],
];

let receiver: OtlpReceiver;
let handle: TracerHandle | undefined;
const saved = new Map<string, string | undefined>();

function setEnv(env: Record<string, string>): void {
  for (const [k, v] of Object.entries(env)) {
    if (!saved.has(k)) saved.set(k, process.env[k]);
    process.env[k] = v;
  }
}

function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  const push = (level: string) => (message: string) => lines.push({ level, message });
  return { lines, logger: { error: push('error'), warn: push('warn'), info: push('info'), debug: push('debug') } };
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
  for (const [k, v] of saved) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  saved.clear();
});

async function exportsOneSpan(name: string): Promise<void> {
  trace.getTracer('t').startSpan(name).end();
  await handle!.forceFlush();
  expect(receiver.spans().map((s) => s.name)).toContain(name);
}

const base = (logger: TracerOptions['logger']): TracerOptions => ({ endpoint: receiver.url, logger, handleExit: false, http: false, queues: false });

describe('an invalid setting', () => {
  it.each(cases)('%s: one warning, its default, and spans still exported', async (name, options, env, warning) => {
    setEnv(env);
    const { lines, logger } = recordingLogger();
    handle = init({ ...base(logger), ...options });
    expect(handle.enabled).toBe(true);
    await exportsOneSpan(`span after ${name}`);
    const reported = lines.filter((l) => l.level === 'warn' || l.level === 'error');
    expect(reported).toHaveLength(1);
    expect(reported[0]!.level).toBe('warn');
    expect(reported[0]!.message).toContain(warning);
  });

  it('an invalid endpoint option: one warning, and the endpoint from the environment applies', async () => {
    setEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url });
    const { lines, logger } = recordingLogger();
    handle = init({ ...base(logger), endpoint: 'localhost:4318' });
    await exportsOneSpan('span after a bad endpoint');
    expect(lines).toEqual([
      {
        level: 'warn',
        message: expect.stringContaining(
          `endpoint is "localhost:4318"; accepted: an http:// or https:// URL, e.g. http://localhost:4318/v1/traces; using "${receiver.url}" (from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) instead`,
        ),
      },
    ]);
  });

  it('several invalid settings: one warning each, everything else applies', async () => {
    setEnv({ OTEL_BSP_MAX_QUEUE_SIZE: 'abc', OTEL_TRACES_SAMPLER: 'bogus' });
    const { lines, logger } = recordingLogger();
    handle = init({ ...base(logger), serviceName: 'still-named', batch: { exportTimeoutMillis: 0 } });
    await exportsOneSpan('span after three bad settings');
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(3);
    expect(handle.config).toMatchObject({ serviceName: 'still-named', sampler: 'parentbased_always_on', batch: { maxQueueSize: 262144, exportTimeoutMillis: 10000 } });
    expect(receiver.spans().find((s) => s.name === 'span after three bad settings')?.serviceName).toBe('still-named');
  });
});

describe('with strict', () => {
  it.each(cases)('%s: init() throws an AgentraceConfigError naming it, and starts nothing', (_name, options, env, warning) => {
    setEnv(env);
    const { lines, logger } = recordingLogger();
    let error: unknown;
    try {
      handle = init({ ...base(logger), ...options, strict: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AgentraceConfigError);
    expect((error as AgentraceConfigError).problems).toEqual([expect.stringContaining(warning.replace(/; (using .*|ignored.*|connecting without it)$/, ''))]);
    expect(lines).toEqual([]);
    expect(trace.getTracer('t').startSpan('x').isRecording()).toBe(false);
  });

  it('is also turned on by AGENTRACE_STRICT_CONFIG=true', () => {
    setEnv({ AGENTRACE_STRICT_CONFIG: 'true', OTEL_BSP_MAX_QUEUE_SIZE: 'abc' });
    expect(() => init(base(undefined))).toThrow(AgentraceConfigError);
    expect(() => init(base(undefined))).toThrow(/batch\.maxQueueSize \(from OTEL_BSP_MAX_QUEUE_SIZE\) is "abc"/);
  });
});
