import { context, isSpanContextValid, trace, type Context } from '@opentelemetry/api';
import { correlationId as activeCorrelationId, scopeOf } from '@agentrace/core';

/**
 * Fields that tie a log record to its trace. Names follow the OTel log data model (as the official
 * pino/winston instrumentations write them), plus the run's correlation id. Only present fields are set.
 */
export interface LogCorrelationFields {
  /** 32 hex characters. */
  trace_id?: string;
  /** 16 hex characters. */
  span_id?: string;
  /** `01` when sampled, `00` otherwise. */
  trace_flags?: string;
  /** The agentrace run's correlation id (baggage `agentrace.correlation_id`). */
  correlation_id?: string;
}

const NONE: Readonly<LogCorrelationFields> = Object.freeze({});

/**
 * The correlation fields of `ctx` (default: the active context): `trace_id`, `span_id`, `trace_flags` of
 * its span, when valid, and `correlation_id` of its run. An empty object outside any span or run.
 * Never throws. The empty result is shared: copy it before changing it.
 */
export function getLogCorrelation(ctx?: Context): LogCorrelationFields {
  try {
    const c = ctx ?? context.active();
    const spanContext = trace.getSpanContext(c);
    const id = ctx === undefined ? activeCorrelationId() : scopeOf(c)?.correlationId;
    const valid = spanContext !== undefined && isSpanContextValid(spanContext);
    if (!valid && id === undefined) return NONE;
    const fields: LogCorrelationFields = {};
    if (valid) {
      fields.trace_id = spanContext.traceId;
      fields.span_id = spanContext.spanId;
      fields.trace_flags = `0${spanContext.traceFlags.toString(16)}`.slice(-2);
    }
    if (id !== undefined) fields.correlation_id = id;
    return fields;
  } catch {
    return NONE;
  }
}

/** The methods of `console` that the console adapter wraps. */
export interface ConsoleLike {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}

/** Options of `withConsoleCorrelation`. */
export interface ConsoleCorrelationOptions {
  /**
   * How the fields are added: `'prefix'` puts `trace_id=… span_id=… correlation_id=…` before the message;
   * `'object'` appends the fields as a last argument (for JSON console transports). Default: `'prefix'`.
   */
  mode?: 'prefix' | 'object';
}

/**
 * A console whose `log`, `info`, `warn`, `error` and `debug` add the active trace and run fields to each
 * record; outside any span or run the record is passed through unchanged. The target is not modified.
 * @example const log = withConsoleCorrelation(console); log.info('fetched', id);
 */
export function withConsoleCorrelation<T extends ConsoleLike>(target: T = console as unknown as T, options: ConsoleCorrelationOptions = {}): ConsoleLike {
  const asObject = options.mode === 'object';
  const wrap = (method: keyof ConsoleLike) => {
    const original = target[method];
    return (...args: unknown[]): void => {
      const fields = getLogCorrelation();
      if (fields === NONE) return original.apply(target, args);
      if (asObject) return original.apply(target, [...args, { ...fields }]);
      let prefix = '';
      if (fields.trace_id !== undefined) prefix += `trace_id=${fields.trace_id} span_id=${fields.span_id}`;
      if (fields.correlation_id !== undefined) prefix += `${prefix === '' ? '' : ' '}correlation_id=${fields.correlation_id}`;
      // A string first argument may be a format string (`%s`): the prefix joins it instead of shifting it.
      if (typeof args[0] === 'string') return original.apply(target, [`[${prefix}] ${args[0]}`, ...args.slice(1)]);
      return original.apply(target, [`[${prefix}]`, ...args]);
    };
  };
  return { log: wrap('log'), info: wrap('info'), warn: wrap('warn'), error: wrap('error'), debug: wrap('debug') };
}

/**
 * A pino `mixin`: every record gets the correlation fields of the context it is logged in.
 * @example const logger = pino({ mixin: pinoLogCorrelation() });
 */
export function pinoLogCorrelation(): (mergeObject?: object, level?: number) => object {
  // pino merges the mixin's result into the record; a fresh object keeps records independent.
  return () => {
    const fields = getLogCorrelation();
    return fields === NONE ? {} : { ...fields };
  };
}

/** The shape of a winston/logform format: an object with `transform(info)`. */
export interface WinstonFormatLike {
  transform<T extends object>(info: T, options?: unknown): T;
}

/**
 * A winston format that adds the correlation fields to each record; put it before the output format.
 * It needs no import of winston (formats are objects with `transform`).
 * @example winston.createLogger({ format: winston.format.combine(winstonLogCorrelation(), winston.format.json()) })
 */
export function winstonLogCorrelation(): WinstonFormatLike {
  return {
    transform<T extends object>(info: T): T {
      const fields = getLogCorrelation();
      if (fields !== NONE) Object.assign(info, fields);
      return info;
    },
  };
}
