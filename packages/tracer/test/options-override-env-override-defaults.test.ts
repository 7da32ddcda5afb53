import { describe, expect, it } from 'vitest';
import { AgentraceConfigError, resolveConfig } from '@agentrace/tracer';

describe('resolveConfig precedence', () => {
  it('uses the defaults with no options and no environment', () => {
    const c = resolveConfig({}, {});
    expect(c.serviceName).toBe('unknown_service:node');
    expect(c.endpoint).toBe('http://localhost:4318/v1/traces');
    expect(c.exporters).toEqual(['otlp']);
    expect(c.sampler).toBe('parentbased_always_on');
    expect(c.samplerArg).toBe(1);
    expect(c.batch).toEqual({ maxQueueSize: 262144, maxQueueBytes: 268435456, maxExportBatchSize: 4096, scheduledDelayMillis: 1000, exportTimeoutMillis: 10000, overflow: 'drop' });
    expect(c.disabled).toBe(false);
    expect(c.shutdownTimeoutMillis).toBe(5000);
    expect(c.logLevel).toBe('warn');
    expect(c.http).toEqual({});
    expect(c.queues).toEqual({});
  });

  it('lets the environment override the defaults', () => {
    const c = resolveConfig(
      {},
      {
        OTEL_SERVICE_NAME: 'from-env',
        OTEL_RESOURCE_ATTRIBUTES: 'service.version=1.2.3,deployment.environment.name=staging,team=a%20b',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-a=1,x-b=2',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-b=3',
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        OTEL_BSP_MAX_QUEUE_SIZE: '100',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10',
        OTEL_BSP_SCHEDULE_DELAY: '50',
        OTEL_BSP_EXPORT_TIMEOUT: '700',
        AGENTRACE_BSP_OVERFLOW: 'wait',
        OTEL_TRACES_EXPORTER: 'console, otlp',
        OTEL_LOG_LEVEL: 'debug',
        AGENTRACE_SHUTDOWN_TIMEOUT: '900',
      },
    );
    expect(c.serviceName).toBe('from-env');
    expect(c.resourceAttributes).toMatchObject({
      'service.name': 'from-env',
      'service.version': '1.2.3',
      'deployment.environment.name': 'staging',
      team: 'a b',
    });
    expect(c.endpoint).toBe('http://collector:4318/v1/traces');
    expect(c.headers).toEqual({ 'x-a': '1', 'x-b': '3' });
    expect(c.sampler).toBe('traceidratio');
    expect(c.samplerArg).toBe(0.25);
    expect(c.batch).toEqual({ maxQueueSize: 100, maxQueueBytes: 268435456, maxExportBatchSize: 10, scheduledDelayMillis: 50, exportTimeoutMillis: 700, overflow: 'wait' });
    expect(c.exporters).toEqual(['console', 'otlp']);
    expect(c.logLevel).toBe('debug');
    expect(c.shutdownTimeoutMillis).toBe(900);
  });

  it('prefers the traces-specific endpoint variable, taken as is', () => {
    const c = resolveConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/custom' });
    expect(c.endpoint).toBe('http://b:9999/custom');
  });

  it('lets explicit options override the environment', () => {
    const env = {
      OTEL_SERVICE_NAME: 'from-env',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://env:4318/v1/traces',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-a=1',
      OTEL_TRACES_SAMPLER: 'always_off',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
      OTEL_BSP_MAX_QUEUE_SIZE: '100',
      OTEL_TRACES_EXPORTER: 'console',
      OTEL_SDK_DISABLED: 'true',
      OTEL_LOG_LEVEL: 'debug',
      OTEL_RESOURCE_ATTRIBUTES: 'service.version=1,deployment.environment.name=env',
    };
    const c = resolveConfig(
      {
        serviceName: 'from-options',
        serviceVersion: '2',
        environment: 'prod',
        endpoint: 'http://opt:4318/v1/traces',
        headers: { 'x-o': 'o' },
        sampler: 'always_on',
        samplerArg: 0.5,
        batch: { maxQueueSize: 500 },
        exporter: 'none',
        disabled: false,
        logLevel: 'error',
        resourceAttributes: { extra: true },
      },
      env,
    );
    expect(c.serviceName).toBe('from-options');
    expect(c.resourceAttributes).toMatchObject({ 'service.version': '2', 'deployment.environment.name': 'prod', extra: true });
    expect(c.endpoint).toBe('http://opt:4318/v1/traces');
    expect(c.headers).toEqual({ 'x-o': 'o' });
    expect(c.sampler).toBe('always_on');
    expect(c.samplerArg).toBe(0.5);
    expect(c.batch.maxQueueSize).toBe(500);
    expect(c.exporters).toEqual([]);
    expect(c.disabled).toBe(false);
    expect(c.logLevel).toBe('error');
  });

  it('reads OTEL_SDK_DISABLED', () => {
    expect(resolveConfig({}, { OTEL_SDK_DISABLED: 'true' }).disabled).toBe(true);
    expect(resolveConfig({}, { OTEL_SDK_DISABLED: 'FALSE' }).disabled).toBe(false);
  });

  it('accepts exporter and processor objects, alone or in a list', () => {
    const exporter = { export: () => {}, shutdown: async () => {} };
    const processor = { onStart: () => {}, onEnd: () => {}, forceFlush: async () => {}, shutdown: async () => {} };
    expect(resolveConfig({ exporter: exporter as never }, {}).exporters).toEqual([exporter]);
    expect(resolveConfig({ exporter: ['console', processor as never] }, {}).exporters).toEqual(['console', processor]);
  });
});

describe('invalid values', () => {
  const cases: [string, object, Record<string, string>, string][] = [
    ['sampler option', { sampler: 'sometimes' }, {}, 'sampler is "sometimes"; accepted: always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio or a Sampler'],
    ['sampler env', {}, { OTEL_TRACES_SAMPLER: 'nope' }, 'sampler (from OTEL_TRACES_SAMPLER) is "nope"; accepted: always_on'],
    ['sampler arg', { samplerArg: 2 }, {}, 'samplerArg is 2; accepted: a number from 0 to 1'],
    ['sampler arg env', {}, { OTEL_TRACES_SAMPLER_ARG: 'half' }, 'samplerArg (from OTEL_TRACES_SAMPLER_ARG) is "half"; accepted: a number from 0 to 1'],
    ['exporter', { exporter: 'jaeger' }, {}, 'exporter is "jaeger"; accepted: otlp, console, none, a SpanExporter or a SpanProcessor'],
    ['exporter env', {}, { OTEL_TRACES_EXPORTER: 'otlp,zipkin' }, 'exporter (from OTEL_TRACES_EXPORTER) is "zipkin"; accepted: otlp, console, none'],
    ['endpoint', { endpoint: 'localhost:4318' }, {}, 'endpoint is "localhost:4318"; accepted: an http:// or https:// URL'],
    ['endpoint env', {}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://x' }, 'endpoint (from OTEL_EXPORTER_OTLP_ENDPOINT) is "grpc://x/v1/traces"; accepted: an http:// or https:// URL'],
    ['queue size', { batch: { maxQueueSize: 0 } }, {}, 'batch.maxQueueSize is 0; accepted: a whole number greater than 0'],
    ['queue size env', {}, { OTEL_BSP_MAX_QUEUE_SIZE: 'lots' }, 'batch.maxQueueSize (from OTEL_BSP_MAX_QUEUE_SIZE) is "lots"; accepted: a whole number greater than 0'],
    ['delay env', {}, { OTEL_BSP_SCHEDULE_DELAY: '-5' }, 'batch.scheduledDelayMillis (from OTEL_BSP_SCHEDULE_DELAY) is "-5"'],
    ['export timeout env', {}, { OTEL_BSP_EXPORT_TIMEOUT: '1.5' }, 'batch.exportTimeoutMillis (from OTEL_BSP_EXPORT_TIMEOUT) is "1.5"'],
    ['batch larger than queue', { batch: { maxQueueSize: 10, maxExportBatchSize: 20 } }, {}, 'batch.maxExportBatchSize is 20; accepted: at most batch.maxQueueSize (10)'],
    ['disabled env', {}, { OTEL_SDK_DISABLED: 'yes' }, 'OTEL_SDK_DISABLED is "yes"; accepted: true, false'],
    ['log level', { logLevel: 'loud' }, {}, 'logLevel is "loud"; accepted: none, error, warn, info, debug, verbose, all'],
    ['log level env', {}, { OTEL_LOG_LEVEL: 'chatty' }, 'logLevel (from OTEL_LOG_LEVEL) is "chatty"'],
    ['service name', { serviceName: '' }, {}, 'serviceName is ""; accepted: a non-empty string'],
    ['resource attributes env', {}, { OTEL_RESOURCE_ATTRIBUTES: 'novalue,=x' }, 'OTEL_RESOURCE_ATTRIBUTES is "novalue"; accepted: a comma-separated list of key=value pairs'],
    ['headers env', {}, { OTEL_EXPORTER_OTLP_HEADERS: 'a=%E0%A4%A' }, 'OTEL_EXPORTER_OTLP_HEADERS is "a=%E0%A4%A"; accepted: percent-encoded values'],
    ['headers option', { headers: { a: 1 } }, {}, 'headers is a Object; accepted: an object of string header values'],
    ['shutdown timeout', { shutdownTimeoutMillis: -1 }, {}, 'shutdownTimeoutMillis is -1; accepted: a whole number greater than 0'],
    ['shutdown timeout env', {}, { AGENTRACE_SHUTDOWN_TIMEOUT: 'soon' }, 'shutdownTimeoutMillis (from AGENTRACE_SHUTDOWN_TIMEOUT) is "soon"'],
    ['http toggle', { http: 'yes' }, {}, 'http is "yes"; accepted: true, false or an options object'],
    ['queues toggle', { queues: 1 }, {}, 'queues is 1; accepted: true, false or an options object'],
    ['logger', { logger: console.log }, {}, 'logger is a Function; accepted: an object with error(message) and warn(message) functions'],
    ['handleExit', { handleExit: 'no' }, {}, 'handleExit is "no"; accepted: true, false'],
    ['console.write', { console: { write: 'stdout' } }, {}, 'console.write is "stdout"; accepted: a function (text) => void'],
  ];

  it.each(cases)('names the option, its value and what is accepted: %s', (_name, options, env, expected) => {
    let error: unknown;
    try {
      resolveConfig(options as never, env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AgentraceConfigError);
    expect((error as Error).message).toContain(expected);
    expect((error as Error).message.startsWith('agentrace: invalid configuration, tracing is off:')).toBe(true);
  });

  it('lists every problem at once', () => {
    try {
      resolveConfig({ sampler: 'x' as never, exporter: 'y' as never }, { OTEL_BSP_MAX_QUEUE_SIZE: 'z' });
      expect.unreachable();
    } catch (e) {
      expect((e as AgentraceConfigError).problems).toHaveLength(3);
    }
  });
});
