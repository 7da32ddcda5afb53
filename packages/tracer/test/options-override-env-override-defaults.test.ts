import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AgentraceConfigError, type ResolvedConfig } from '@agentrace/tracer';
import { resolveConfig } from '../src/config.js';

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
    expect(c.compression).toBe('none');
    expect(c.strict).toBe(false);
    expect(c.problems).toEqual([]);
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
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
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
    expect(c.compression).toBe('gzip');
    expect(c.problems).toEqual([]);
  });

  it('takes the TLS file paths of an https endpoint from the environment, traces-specific first', () => {
    const here = fileURLToPath(import.meta.url);
    const c = resolveConfig({}, { OTEL_EXPORTER_OTLP_CERTIFICATE: '/no/such/ca.pem', OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: here, OTEL_EXPORTER_OTLP_CLIENT_KEY: here });
    expect(c.tlsFiles).toEqual({ ca: here, key: here });
    expect(c.problems).toEqual([]);
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
  type Case = [name: string, options: object, env: Record<string, string>, expected: string, used: (c: ResolvedConfig) => unknown, value: unknown];
  const cases: Case[] = [
    ['sampler option', { sampler: 'sometimes' }, {}, 'sampler is "sometimes"; accepted: always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio or a Sampler', (c) => c.sampler, 'parentbased_always_on'],
    ['sampler env', {}, { OTEL_TRACES_SAMPLER: 'nope' }, 'sampler (from OTEL_TRACES_SAMPLER) is "nope"; accepted: always_on', (c) => c.sampler, 'parentbased_always_on'],
    ['sampler arg', { samplerArg: 2 }, {}, 'samplerArg is 2; accepted: a number from 0 to 1', (c) => c.samplerArg, 1],
    ['sampler arg env', {}, { OTEL_TRACES_SAMPLER_ARG: 'half' }, 'samplerArg (from OTEL_TRACES_SAMPLER_ARG) is "half"; accepted: a number from 0 to 1', (c) => c.samplerArg, 1],
    ['exporter', { exporter: 'jaeger' }, {}, 'exporter is "jaeger"; accepted: otlp, console, none, a SpanExporter or a SpanProcessor', (c) => c.exporters, ['otlp']],
    ['exporter env', {}, { OTEL_TRACES_EXPORTER: 'console,zipkin' }, 'exporter (from OTEL_TRACES_EXPORTER) is "zipkin"; accepted: otlp, console, none', (c) => c.exporters, ['console']],
    ['endpoint', { endpoint: 'localhost:4318' }, {}, 'endpoint is "localhost:4318"; accepted: an http:// or https:// URL', (c) => c.endpoint, 'http://localhost:4318/v1/traces'],
    ['endpoint env', {}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://x' }, 'endpoint (from OTEL_EXPORTER_OTLP_ENDPOINT) is "grpc://x/v1/traces"; accepted: an http:// or https:// URL', (c) => c.endpoint, 'http://localhost:4318/v1/traces'],
    ['queue size', { batch: { maxQueueSize: 0 } }, {}, 'batch.maxQueueSize is 0; accepted: a whole number greater than 0', (c) => c.batch.maxQueueSize, 262144],
    ['queue size env', {}, { OTEL_BSP_MAX_QUEUE_SIZE: 'lots' }, 'batch.maxQueueSize (from OTEL_BSP_MAX_QUEUE_SIZE) is "lots"; accepted: a whole number greater than 0; using 262144 (the default) instead', (c) => c.batch.maxQueueSize, 262144],
    ['delay env', {}, { OTEL_BSP_SCHEDULE_DELAY: '-5' }, 'batch.scheduledDelayMillis (from OTEL_BSP_SCHEDULE_DELAY) is "-5"', (c) => c.batch.scheduledDelayMillis, 1000],
    ['export timeout env', {}, { OTEL_BSP_EXPORT_TIMEOUT: '1.5' }, 'batch.exportTimeoutMillis (from OTEL_BSP_EXPORT_TIMEOUT) is "1.5"', (c) => c.batch.exportTimeoutMillis, 10000],
    ['overflow', { batch: { overflow: 'block' } }, {}, 'batch.overflow is "block"; accepted: "drop" or "wait"', (c) => c.batch.overflow, 'drop'],
    ['batch larger than queue', { batch: { maxQueueSize: 10, maxExportBatchSize: 20 } }, {}, 'batch.maxExportBatchSize is 20; accepted: at most batch.maxQueueSize (10); using 10 instead', (c) => c.batch.maxExportBatchSize, 10],
    ['batch not an object', { batch: 5 }, {}, 'batch is 5; accepted: an object', (c) => c.batch.maxQueueSize, 262144],
    ['disabled env', {}, { OTEL_SDK_DISABLED: 'yes' }, 'disabled (from OTEL_SDK_DISABLED) is "yes"; accepted: true, false; using false (the default) instead', (c) => c.disabled, false],
    ['log level', { logLevel: 'loud' }, {}, 'logLevel is "loud"; accepted: none, error, warn, info, debug, verbose, all', (c) => c.logLevel, 'warn'],
    ['log level env', {}, { OTEL_LOG_LEVEL: 'chatty' }, 'logLevel (from OTEL_LOG_LEVEL) is "chatty"', (c) => c.logLevel, 'warn'],
    ['service name', { serviceName: '' }, {}, 'serviceName is ""; accepted: a non-empty string', (c) => c.serviceName, 'unknown_service:node'],
    ['service name type', { serviceName: 42 }, {}, 'serviceName is 42; accepted: a non-empty string', (c) => c.serviceName, 'unknown_service:node'],
    ['resource attributes env', {}, { OTEL_RESOURCE_ATTRIBUTES: 'team=a,novalue,=x' }, 'OTEL_RESOURCE_ATTRIBUTES is "team=a,novalue,=x"; accepted: a comma-separated list of key=value pairs', (c) => c.resourceAttributes.team, undefined],
    ['headers env', {}, { OTEL_EXPORTER_OTLP_HEADERS: 'a=%E0%A4%A' }, 'OTEL_EXPORTER_OTLP_HEADERS is "a=%E0%A4%A"; accepted: a comma-separated list of key=value pairs, percent-encoded', (c) => c.headers, {}],
    ['headers option', { headers: { a: 1 } }, {}, 'headers is {"a":1}; accepted: an object of string header values', (c) => c.headers, {}],
    ['compression env', {}, { OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' }, 'compression (from OTEL_EXPORTER_OTLP_COMPRESSION) is "zstd"; accepted: gzip, none', (c) => c.compression, 'none'],
    ['shutdown timeout', { shutdownTimeoutMillis: -1 }, {}, 'shutdownTimeoutMillis is -1; accepted: a whole number greater than 0', (c) => c.shutdownTimeoutMillis, 5000],
    ['shutdown timeout env', {}, { AGENTRACE_SHUTDOWN_TIMEOUT: 'soon' }, 'shutdownTimeoutMillis (from AGENTRACE_SHUTDOWN_TIMEOUT) is "soon"', (c) => c.shutdownTimeoutMillis, 5000],
    ['http toggle', { http: 'yes' }, {}, 'http is "yes"; accepted: true, false or an options object', (c) => c.http, {}],
    ['queues toggle', { queues: 1 }, {}, 'queues is 1; accepted: true, false or an options object', (c) => c.queues, {}],
    ['logger', { logger: console.log }, {}, 'logger is a function; accepted: an object with error(message) and warn(message) functions; using standard error instead', () => undefined, undefined],
    ['handleExit', { handleExit: 'no' }, {}, 'handleExit is "no"; accepted: true, false', (c) => c.handleExit, true],
    ['console.write', { console: { write: 'stdout' } }, {}, 'console.write is "stdout"; accepted: a function (text) => void', (c) => c.console, {}],
    ['TLS file env', {}, { OTEL_EXPORTER_OTLP_CERTIFICATE: '/no/such/ca.pem' }, 'OTEL_EXPORTER_OTLP_CERTIFICATE is "/no/such/ca.pem"; accepted: the path of a readable PEM file; connecting without it', (c) => c.tlsFiles, {}],
    ['strict env', {}, { AGENTRACE_STRICT_CONFIG: 'sure' }, 'strict (from AGENTRACE_STRICT_CONFIG) is "sure"; accepted: true, false', (c) => c.strict, false],
  ];

  it.each(cases)('reports one problem naming the option, its value and what is accepted, and uses the default: %s', (_name, options, env, expected, used, value) => {
    const c = resolveConfig(options as never, env);
    expect(c.problems).toHaveLength(1);
    expect(c.problems[0]).toContain(expected);
    expect(used(c)).toEqual(value);
  });

  it.each(cases.filter(([name]) => name !== 'strict env'))('throws the same problem with strict: %s', (_name, options, env, expected) => {
    let error: unknown;
    try {
      resolveConfig({ ...options, strict: true } as never, env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AgentraceConfigError);
    expect((error as AgentraceConfigError).problems).toHaveLength(1);
    expect((error as Error).message).toContain(expected.replace(/; (using .*|ignored.*|connecting without it)$/, ''));
    expect((error as Error).message.startsWith('agentrace: invalid configuration; tracing not started because strict is on')).toBe(true);
  });

  it('keeps every valid setting when one is invalid', () => {
    const c = resolveConfig({ serviceName: 'kept', batch: { maxQueueSize: 'abc' as never, scheduledDelayMillis: 5 } }, { OTEL_TRACES_SAMPLER: 'always_off' });
    expect(c.problems).toHaveLength(1);
    expect(c.serviceName).toBe('kept');
    expect(c.sampler).toBe('always_off');
    expect(c.batch.scheduledDelayMillis).toBe(5);
    expect(c.batch.maxQueueSize).toBe(262144);
  });

  it('falls back from an invalid option to its environment variable, then to the default', () => {
    const c = resolveConfig(
      { sampler: 'sometimes' as never, endpoint: 'localhost:4318', exporter: 'jaeger' as never },
      { OTEL_TRACES_SAMPLER: 'always_off', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318', OTEL_TRACES_EXPORTER: 'console' },
    );
    expect(c.sampler).toBe('always_off');
    expect(c.endpoint).toBe('http://env:4318/v1/traces');
    expect(c.exporters).toEqual(['console']);
    expect(c.problems).toEqual([
      expect.stringContaining('using "always_off" (from OTEL_TRACES_SAMPLER) instead'),
      expect.stringContaining('using "http://env:4318/v1/traces" (from OTEL_EXPORTER_OTLP_ENDPOINT) instead'),
      expect.stringContaining('using console (from OTEL_TRACES_EXPORTER) instead'),
    ]);
  });

  it('skips an unknown exporter name among valid ones', () => {
    const c = resolveConfig({ exporter: ['otlp', 'zipkin' as never] }, {});
    expect(c.exporters).toEqual(['otlp']);
    expect(c.problems).toEqual([expect.stringContaining('exporter is "zipkin"')]);
  });

  it('lists every problem at once with strict, from the option or AGENTRACE_STRICT_CONFIG', () => {
    for (const [options, env] of [
      [{ strict: true }, {}],
      [{}, { AGENTRACE_STRICT_CONFIG: 'true' }],
    ] as const) {
      try {
        resolveConfig({ ...options, sampler: 'x' as never, exporter: 'y' as never }, { ...env, OTEL_BSP_MAX_QUEUE_SIZE: 'z' });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(AgentraceConfigError);
        expect((e as AgentraceConfigError).problems).toHaveLength(3);
      }
    }
  });

  it('lets strict: false override AGENTRACE_STRICT_CONFIG', () => {
    const c = resolveConfig({ strict: false, sampler: 'x' as never }, { AGENTRACE_STRICT_CONFIG: 'true' });
    expect(c.problems).toHaveLength(1);
  });
});
