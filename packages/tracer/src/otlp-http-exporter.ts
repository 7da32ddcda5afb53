import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { gzip } from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { reporter } from './report.js';
import type { Compression, OtlpProtocol } from './types.js';

/** The request body of an export, in `protocol`'s encoding, and its content type. */
export function encodeSpans(spans: ReadableSpan[], protocol: OtlpProtocol): Uint8Array | undefined {
  return protocol === 'http/json' ? JsonTraceSerializer.serializeRequest(spans) : ProtobufTraceSerializer.serializeRequest(spans);
}

export function contentTypeOf(protocol: OtlpProtocol): string {
  return protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
}

/** Raised for the requests still in flight when the exporter is stopped at the end of a shutdown. */
export class ExportAbortedError extends Error {
  override readonly name = 'ExportAbortedError';
}

/** Response bytes kept for the error message; the rest of a long answer is read and discarded. */
const MAX_KEPT_RESPONSE_BYTES = 4096;

/**
 * The endpoint answered with a status other than 2xx. Shaped like OpenTelemetry's
 * `OTLPExporterError`: `code` is the HTTP status, `data` the start of the response body.
 */
export class OtlpHttpError extends Error {
  override readonly name = 'OtlpHttpError';
  constructor(
    readonly code: number,
    statusMessage: string | undefined,
    readonly data: string,
    /** From a `Retry-After` header (429, 503), in milliseconds. */
    readonly retryAfterMillis: number | undefined,
  ) {
    super(`HTTP ${code}${statusMessage ? ` ${statusMessage}` : ''}`);
  }
}

/** The request was sent and no answer came in time: the spans may have arrived. */
class ExportTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

export interface OtlpHttpExporterOptions {
  /** Full traces URL, e.g. `http://localhost:4318/v1/traces`. */
  url: string;
  headers: Record<string, string>;
  /** Longest an export may take, connection included. */
  timeoutMillis: number;
  compression: Compression;
  /** Encoding of the requests. Default `'http/protobuf'`. */
  protocol?: OtlpProtocol;
  /** For an https URL: the CA to trust, and the client certificate and key (PEM). Default: Node's. */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

function parseRetryAfter(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * OTLP/HTTP trace exporter (protobuf by default, JSON on request) that sends each export exactly once. OpenTelemetry's exporter
 * retries a failed request up to five times inside one export (a refused connection took seconds to
 * surface) and reports a 429 or 503 without its status; under a batch processor that retries with its
 * own backoff, that made two retry layers. Here the processor is the only one: a failure comes back
 * at once, carrying what it classifies by, the HTTP status (`code`, with `Retry-After`) or the network
 * error with its own `code` (`ECONNREFUSED`, `ECONNRESET`, ...).
 */
export class OtlpHttpExporter implements SpanExporter {
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly inFlight = new Set<Promise<void>>();
  /** Requests on the wire, so that `abort()` can end them. */
  private readonly requests = new Set<ClientRequest>();
  private readonly protocol: OtlpProtocol;
  private stopped = false;

  constructor(private readonly options: OtlpHttpExporterOptions) {
    this.url = new URL(options.url);
    this.protocol = options.protocol ?? 'http/protobuf';
    this.agent = this.url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, ...options.tls }) : new HttpAgent({ keepAlive: true });
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('the exporter is shut down') });
      return;
    }
    let body: Uint8Array | undefined;
    try {
      body = encodeSpans(spans, this.protocol);
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
      return;
    }
    if (!body) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('the spans could not be serialized') });
      return;
    }
    const done = this.send(body).then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (error: Error) => resultCallback({ code: ExportResultCode.FAILED, error }),
    );
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.forceFlush();
    this.agent.destroy();
  }

  /**
   * Ends every request in flight now (each fails with an `ExportAbortedError`) and closes the
   * connections, so that nothing of the exporter keeps the process alive: for the end of a shutdown
   * whose bound has passed.
   */
  abort(): void {
    this.stopped = true;
    for (const req of this.requests) req.destroy(new ExportAbortedError('the export was abandoned at shutdown'));
    this.requests.clear();
    this.agent.destroy();
  }

  private async send(body: Uint8Array): Promise<void> {
    const headers: Record<string, string> = { ...this.options.headers, 'content-type': contentTypeOf(this.protocol) };
    let payload: Uint8Array = body;
    if (this.options.compression === 'gzip') {
      payload = await new Promise<Buffer>((resolve, reject) => gzip(body, (error, out) => (error ? reject(error) : resolve(out))));
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = String(payload.byteLength);
    const request = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const timeoutMillis = this.options.timeoutMillis;

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        this.requests.delete(req);
        if (error) reject(error);
        else resolve();
      };
      const req: ClientRequest = request(this.url, { method: 'POST', headers, agent: this.agent }, (res) => this.read(res, finish));
      this.requests.add(req);
      // One deadline for the whole export. Before the connection is made nothing was sent, so it is a
      // connect timeout (worth a retry); after, the spans may have arrived.
      const deadline = setTimeout(() => {
        const connecting = !req.socket || req.socket.connecting;
        const error = connecting
          ? Object.assign(new Error(`could not connect within ${timeoutMillis} ms`), { code: 'ETIMEDOUT' })
          : new ExportTimeoutError(`no answer within ${timeoutMillis} ms`);
        finish(error);
        req.destroy(error);
      }, timeoutMillis);
      deadline.unref();
      req.on('error', (error) => finish(error));
      req.end(payload);
    });
  }

  private read(res: IncomingMessage, finish: (error?: Error) => void): void {
    const kept: Buffer[] = [];
    let keptBytes = 0;
    res.on('data', (chunk: Buffer) => {
      if (keptBytes >= MAX_KEPT_RESPONSE_BYTES) return;
      kept.push(chunk);
      keptBytes += chunk.length;
    });
    res.on('error', (error) => finish(error));
    res.on('close', () => {
      if (!res.complete) finish(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' }));
    });
    res.on('end', () => {
      const status = res.statusCode ?? 0;
      const text = Buffer.concat(kept).subarray(0, MAX_KEPT_RESPONSE_BYTES);
      if (status >= 200 && status < 300) {
        reportPartialSuccess(text, this.protocol);
        finish();
        return;
      }
      const retryAfter = res.headers['retry-after'];
      finish(new OtlpHttpError(status, res.statusMessage, text.toString('utf8'), parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter)));
    });
  }
}

/** A 2xx answer may still say some spans were rejected (OTLP partial success). */
function reportPartialSuccess(body: Buffer, protocol: OtlpProtocol): void {
  if (!body.length) return;
  if (protocol === 'http/protobuf' && body[0] !== 0x7b /* { */) {
    try {
      const partial = ProtobufTraceSerializer.deserializeResponse(body).partialSuccess;
      const rejected = Number(partial?.rejectedSpans ?? 0);
      if (rejected > 0) reporter.warn(`the endpoint accepted the export but rejected ${rejected} spans${partial?.errorMessage ? `: ${partial.errorMessage}` : ''}`);
    } catch {
      /* cut at MAX_KEPT_RESPONSE_BYTES, or not OTLP: nothing to say */
    }
    return;
  }
  if (body[0] !== 0x7b /* { */) return;
  try {
    const partial = (JSON.parse(body.toString('utf8')) as { partialSuccess?: { rejectedSpans?: number | string; errorMessage?: string } }).partialSuccess;
    const rejected = Number(partial?.rejectedSpans ?? 0);
    if (rejected > 0) {
      reporter.warn(`the endpoint accepted the export but rejected ${rejected} spans${partial?.errorMessage ? `: ${partial.errorMessage}` : ''}`);
    }
  } catch {
    /* a body cut at MAX_KEPT_RESPONSE_BYTES, or not OTLP JSON: nothing to say */
  }
}
