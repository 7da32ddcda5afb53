import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  serializeResolved,
} from '@agentrace/core';
import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import zlib from 'node:zlib';
import { reporter } from '../diagnostics.js';
import {
  ATTR_AGENTRACE_GEN_AI_STREAM_EVENTS,
  ATTR_AGENTRACE_GEN_AI_STREAM_OVERSIZED_EVENTS,
  ATTR_AGENTRACE_GEN_AI_TOOL_CALL_IDS,
  ATTR_AGENTRACE_GEN_AI_TOOL_CALL_NAMES,
} from '../semconv.js';
import type { ResolvedGenAiConfig } from './config.js';
import type { GenAiCall } from './detect.js';
import { parseJson } from './json.js';
import { readRequest } from './request.js';
import { ResponseState } from './response.js';
import { SseParser } from './sse.js';

/** Attributes a model call's span has from its start: what its URL says. */
export function genAiStartAttributes(call: GenAiCall, attributes: Attributes): void {
  attributes[ATTR_GEN_AI_OPERATION_NAME] = call.operation;
  attributes[ATTR_GEN_AI_PROVIDER_NAME] = call.provider;
  if (call.model !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = call.model;
  if (call.stream) attributes[ATTR_GEN_AI_REQUEST_STREAM] = true;
}

/** `{gen_ai.operation.name} {gen_ai.request.model}`, or the operation alone while the model is unknown. */
export function genAiSpanName(call: GenAiCall, model: string | undefined = call.model): string {
  return model === undefined ? call.operation : `${call.operation} ${model}`;
}

/** The operations that are a model call (as opposed to an agent or a tool). */
const INFERENCE_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);

/**
 * Whether a span (the parent of a request) already stands for the model call: the Anthropic SDK's
 * own call span, the Vercel AI SDK's `doGenerate`/`doStream` span, or any span with a model-call
 * `gen_ai.operation.name` or, with no operation, a `gen_ai.request.model` / `gen_ai.system`. The
 * SDK's spans expose their attributes; a span that does not is taken as no model call.
 */
export function isModelCallSpan(span: unknown): boolean {
  const attributes = (span as { attributes?: Attributes } | undefined)?.attributes;
  if (attributes === undefined || attributes === null || typeof attributes !== 'object') return false;
  const op = attributes[ATTR_GEN_AI_OPERATION_NAME];
  if (typeof op === 'string') return INFERENCE_OPERATIONS.has(op);
  return attributes[ATTR_GEN_AI_REQUEST_MODEL] !== undefined || attributes['gen_ai.system'] !== undefined;
}

type Mode = 'sse' | 'json' | 'none';

function toBuffer(chunk: unknown): Buffer | undefined {
  if (typeof chunk === 'string') return Buffer.from(chunk);
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return undefined;
}

/**
 * One model call seen on the wire: the request body as it is sent, the answer as it flows to the
 * caller. Nothing is read that the caller would not read anyway, and nothing is changed: request
 * bytes are looked at where the client writes them, response bytes where the transport hands them
 * to the client (a decoded copy is made for a compressed answer). Memory is bounded: a JSON body up
 * to `maxBodyBytes` is kept until it is complete; a streamed answer is parsed event by event, keeping
 * only the event in progress, the counts, ids and (with content capture) text up to the caps.
 */
export class GenAiExchange {
  private requestParts: Buffer[] = [];
  private requestBytes = 0;
  private requestRead = false;
  private requestOverflow = false;
  private requestWhole = false;
  private mode: Mode = 'none';
  private status = 0;
  private jsonParts: Buffer[] | undefined;
  private jsonBytes = 0;
  private sse: SseParser | undefined;
  private decoder: TextDecoder | undefined;
  private inflater: zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined;
  private firstChunkAt: number | undefined;
  private finished = false;
  /** Response chunks seen, and whether the reader asked the transport to pause after the last one. */
  private chunks = 0;
  private paused = false;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Ends the span as abandoned (set by whoever owns the span). */
  onAbandon: (() => void) | undefined;
  readonly state: ResponseState;

  constructor(
    private readonly cfg: ResolvedGenAiConfig,
    readonly call: GenAiCall,
    private readonly span: Span,
    private readonly startedAt: number,
  ) {
    // A little past the cap, so the serializer sees the text was longer and marks the cut (and can
    // still mask a secret that straddles it).
    this.state = new ResponseState(call.api, cfg.captureContent, cfg.content.maxStringLength + 128);
  }

  /** The whole request body, when the client hands it over at once (undici `request`, a first `end(body)`). */
  requestBody(body: unknown): void {
    if (this.requestRead || this.requestBytes > 0 || toBuffer(body) === undefined) return;
    this.requestChunk(body);
    // The same bytes come again as they are written: they are here already.
    this.requestWhole = true;
  }

  /** A piece of the request body as it is written. */
  requestChunk(chunk: unknown): void {
    if (this.requestRead || this.requestOverflow || this.requestWhole) return;
    const buf = toBuffer(chunk);
    if (buf === undefined) return;
    this.requestBytes += buf.byteLength;
    if (this.requestBytes > this.cfg.maxBodyBytes) {
      this.requestOverflow = true;
      this.requestParts = [];
      return;
    }
    // A copy: the client may reuse its buffer once written.
    this.requestParts.push(Buffer.from(buf));
  }

  /** Parses the request once it is complete (when the answer starts, or the call ends). */
  private readRequestBody(): void {
    if (this.requestRead) return;
    this.requestRead = true;
    const parts = this.requestParts;
    this.requestParts = [];
    if (this.requestOverflow || parts.length === 0) return;
    const body = parseJson((parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString('utf8'));
    if (body === undefined) return;
    const info = readRequest(this.call.api, body, this.cfg.captureContent);
    const attributes = info.attributes;
    if (this.cfg.captureContent) {
      this.content(attributes, ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, info.system);
      this.content(attributes, ATTR_GEN_AI_INPUT_MESSAGES, info.input);
      this.content(attributes, ATTR_GEN_AI_TOOL_DEFINITIONS, info.tools);
    }
    this.span.setAttributes(attributes);
    const model = info.model ?? this.call.model;
    if (model !== undefined && model !== this.call.model) this.span.updateName(genAiSpanName(this.call, model));
  }

  /** Content through core's caps and redaction: JSON text, truncated with visible markers. */
  private content(attributes: Attributes, key: string, value: unknown[] | undefined): void {
    if (value === undefined || value.length === 0) return;
    attributes[key] = serializeResolved(value, this.cfg.content).value;
  }

  /** The response headers arrived: decides how to read the body. */
  response(status: number, header: (name: string) => string | undefined): void {
    this.readRequestBody();
    this.status = status;
    const type = header('content-type') ?? '';
    if (type.includes('text/event-stream')) this.mode = 'sse';
    else if (type.includes('json') || status >= 400) this.mode = 'json';
    else return;
    if (status === 429 || status === 503) {
      const attributes: Attributes = {};
      for (const name of ['retry-after', 'retry-after-ms']) {
        const value = header(name);
        if (value !== undefined) attributes[`http.response.header.${name}`] = [value];
      }
      this.span.setAttributes(attributes);
    }
    const encoding = header('content-encoding')?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
      if (encoding === 'gzip' || encoding === 'x-gzip') this.inflater = zlib.createGunzip();
      else if (encoding === 'deflate') this.inflater = zlib.createInflate();
      else if (encoding === 'br') this.inflater = zlib.createBrotliDecompress();
      else {
        reporter.warnOnce(`genai-encoding ${encoding}`, `a model API answered with content-encoding "${encoding}", which agentrace cannot decode; its span has no response attributes`);
        this.mode = 'none';
        return;
      }
      // A decoded copy for us; the client decodes its own bytes as before.
      this.inflater.on('data', (buf: Buffer) => this.consume(buf));
      this.inflater.on('error', (error) => {
        reporter.warnOnce('genai-decode', 'could not decode a compressed model API answer; its span has what was decoded before the error', error);
        this.inflater = undefined;
        this.mode = 'none';
      });
    }
    if (this.mode === 'sse') {
      this.decoder = new TextDecoder();
      this.sse = new SseParser(this.cfg.maxBodyBytes, (event, data) => this.sseEvent(event, data));
    } else {
      this.jsonParts = [];
    }
  }

  /** A piece of the response body, as the transport hands it to the client. */
  responseChunk(chunk: unknown): void {
    if (this.mode === 'none' || this.finished) return;
    if (this.firstChunkAt === undefined) this.firstChunkAt = performance.now();
    this.chunks++;
    const buf = toBuffer(chunk);
    if (buf === undefined) return;
    if (this.inflater !== undefined) this.inflater.write(Buffer.from(buf));
    else this.consume(buf);
  }

  /**
   * Whether the reader keeps up: `false` from the client's `onData`/`push` means its buffer is full.
   * A streamed answer whose reader stopped reading (an SDK that drops its stream without cancelling
   * it) would keep the span open for good: once the reader has held the stream paused with no new
   * chunk for `streamIdleTimeoutMs`, the span ends, marked abandoned, with what was seen.
   */
  readerPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused || this.idleTimer !== undefined || this.mode !== 'sse' || this.finished) return;
    const idle = this.cfg.streamIdleTimeoutMs;
    if (idle === 0) return;
    const seen = this.chunks;
    const check = (since: number): void => {
      this.idleTimer = undefined;
      if (this.finished) return;
      if (this.paused && this.chunks === since) this.onAbandon?.();
      else if (this.paused) this.idleTimer = setTimeout(check, idle, this.chunks).unref();
    };
    this.idleTimer = setTimeout(check, idle, seen).unref();
  }

  private consume(buf: Buffer): void {
    if (this.mode === 'sse') {
      this.sse!.push(this.decoder!.decode(buf, { stream: true }));
    } else if (this.mode === 'json' && this.jsonParts !== undefined) {
      this.jsonBytes += buf.byteLength;
      if (this.jsonBytes > this.cfg.maxBodyBytes) this.jsonParts = undefined;
      else this.jsonParts.push(this.inflater === undefined ? Buffer.from(buf) : buf);
    }
  }

  private sseEvent(event: string, data: string): void {
    if (data === '[DONE]') return;
    const json = parseJson(data);
    if (json !== undefined) this.state.event(event, json);
  }

  /**
   * The call is over (the body was read, the caller cancelled, or it failed): sets what the answer
   * said, as far as it was seen, then calls `end`. Waits for a decoder to flush first, if there is one.
   */
  finish(end: () => void): void {
    if (this.finished) return;
    this.finished = true;
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    const inflater = this.inflater;
    if (inflater === undefined) {
      this.complete();
      end();
      return;
    }
    let done = false;
    const after = (): void => {
      if (done) return;
      done = true;
      this.complete();
      end();
    };
    inflater.once('end', after);
    inflater.once('error', after);
    inflater.once('close', after);
    inflater.end();
    // An inflater that was never written to still emits 'end' once read: make sure it is flowing.
    inflater.resume();
  }

  private complete(): void {
    try {
      this.readRequestBody();
      const state = this.state;
      if (this.mode === 'json' && this.jsonParts !== undefined && this.jsonParts.length > 0) {
        const body = parseJson(Buffer.concat(this.jsonParts).toString('utf8'));
        this.jsonParts = undefined;
        if (body !== undefined) state.json(body);
      }
      const attributes: Attributes = {};
      if (state.id !== undefined) attributes[ATTR_GEN_AI_RESPONSE_ID] = state.id;
      if (state.model !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = state.model;
      const reasons = state.finishReasons();
      if (reasons.length > 0) attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = reasons;
      if (state.inputTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = state.inputTokens;
      if (state.outputTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = state.outputTokens;
      if (state.cacheRead !== undefined) attributes[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = state.cacheRead;
      if (state.cacheCreation !== undefined) {
        attributes[this.cfg.latest ? ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS : ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = state.cacheCreation;
      }
      if (state.reasoningTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = state.reasoningTokens;
      if (this.mode === 'sse') {
        if (this.firstChunkAt !== undefined) attributes[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = Math.max(0, Math.round(this.firstChunkAt - this.startedAt)) / 1000;
        attributes[ATTR_AGENTRACE_GEN_AI_STREAM_EVENTS] = state.events;
        if (this.sse!.oversized > 0) attributes[ATTR_AGENTRACE_GEN_AI_STREAM_OVERSIZED_EVENTS] = this.sse!.oversized;
        this.sse!.end();
      }
      const calls = state.toolCalls();
      if (calls.length > 0) {
        attributes[ATTR_AGENTRACE_GEN_AI_TOOL_CALL_NAMES] = calls.map((c) => c.name);
        attributes[ATTR_AGENTRACE_GEN_AI_TOOL_CALL_IDS] = calls.map((c) => c.id ?? '');
      }
      if (this.cfg.captureContent && this.status < 400) {
        const output = state.outputMessages();
        if (output.length > 0) attributes[ATTR_GEN_AI_OUTPUT_MESSAGES] = serializeResolved(output, this.cfg.content).value;
      }
      if (state.errorType !== undefined) {
        // The API's own code is the conventions' `error.type` for a model call (`rate_limit_error`,
        // `RESOURCE_EXHAUSTED`); `http.response.status_code` keeps the status.
        attributes[ATTR_ERROR_TYPE] = state.errorType;
        this.span.setStatus({ code: SpanStatusCode.ERROR });
      }
      this.span.setAttributes(attributes);
    } catch (error) {
      reporter.warnOnce('genai-complete', 'could not read a model API answer; its span has the HTTP attributes only', error);
    }
  }
}

