import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from './semconv.js';

/** A request recognised as a call to a model API. */
export interface GenAiCall {
  provider: string;
  operation: string;
}

/** Largest response body parsed for token usage; bigger ones are not worth the parse. */
export const MAX_GENAI_BODY_BYTES = 1 << 20;

const HOST_PROVIDERS: readonly [string, string][] = [
  ['api.openai.com', 'openai'],
  ['openai.azure.com', 'azure.ai.openai'],
  ['api.anthropic.com', 'anthropic'],
  ['api.mistral.ai', 'mistral_ai'],
  ['api.groq.com', 'groq'],
  ['api.deepseek.com', 'deepseek'],
  ['api.x.ai', 'x_ai'],
  ['api.perplexity.ai', 'perplexity'],
];

/**
 * Recognises OpenAI-compatible (`/chat/completions`, `/responses`, `/completions`, `/embeddings`) and
 * Anthropic (`/v1/messages`) calls by path; the provider comes from well-known hosts, else the API shape.
 */
export function detectGenAiCall(host: string, pathAndQuery: string): GenAiCall | undefined {
  const q = pathAndQuery.indexOf('?');
  const path = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
  let operation: string;
  let shape: 'openai' | 'anthropic';
  if (path.endsWith('/chat/completions')) [operation, shape] = ['chat', 'openai'];
  else if (path.endsWith('/v1/messages')) [operation, shape] = ['chat', 'anthropic'];
  else if (path.endsWith('/v1/responses')) [operation, shape] = ['chat', 'openai'];
  else if (path.endsWith('/v1/completions')) [operation, shape] = ['text_completion', 'openai'];
  else if (path.endsWith('/v1/embeddings')) [operation, shape] = ['embeddings', 'openai'];
  else return undefined;
  let provider: string = shape;
  for (const [suffix, name] of HOST_PROVIDERS) {
    if (host === suffix || host.endsWith(`.${suffix}`)) provider = name;
  }
  return { provider, operation };
}

/** Attributes known before the request is sent. */
export function genAiStartAttributes(call: GenAiCall, attributes: Attributes): void {
  attributes[ATTR_GEN_AI_PROVIDER_NAME] = call.provider;
  attributes[ATTR_GEN_AI_OPERATION_NAME] = call.operation;
}

const MODEL_RE = /"model"\s*:\s*"((?:[^"\\]|\\.){1,200})"/;

/** `gen_ai.request.model` from a JSON request body; a regex, not a parse, since prompts can be large. */
export function requestModel(body: unknown): string | undefined {
  let text: string;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) text = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 65536)).toString('utf8');
  else return undefined;
  const match = MODEL_RE.exec(text.length > 65536 ? text.slice(0, 65536) : text);
  return match?.[1];
}

/** Model, id and token usage from a JSON (non-streamed) response of OpenAI or Anthropic shape. */
export function genAiResponseAttributes(body: string): Attributes | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (json === null || typeof json !== 'object') return undefined;
  const r = json as { model?: unknown; id?: unknown; usage?: Record<string, unknown> };
  const out: Attributes = {};
  if (typeof r.model === 'string') out[ATTR_GEN_AI_RESPONSE_MODEL] = r.model;
  if (typeof r.id === 'string') out[ATTR_GEN_AI_RESPONSE_ID] = r.id;
  const usage = r.usage;
  if (usage !== null && typeof usage === 'object') {
    // OpenAI chat/completions say prompt/completion; Responses and Anthropic say input/output.
    const input = usage.input_tokens ?? usage.prompt_tokens;
    const output = usage.output_tokens ?? usage.completion_tokens;
    if (typeof input === 'number') out[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = input;
    if (typeof output === 'number') out[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = output;
  }
  return out;
}

/** Keeps the first bytes of a response body, giving up past the limit. */
export class BodyCollector {
  private chunks: Buffer[] = [];
  private size = 0;
  overflow = false;

  add(chunk: unknown): void {
    if (this.overflow) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk instanceof Uint8Array ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : undefined;
    if (buf === undefined) return;
    this.size += buf.byteLength;
    if (this.size > MAX_GENAI_BODY_BYTES) {
      this.overflow = true;
      this.chunks = [];
      return;
    }
    this.chunks.push(Buffer.from(buf));
  }

  text(): string | undefined {
    return this.overflow ? undefined : Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Whether a content-type says JSON (streamed SSE answers are skipped). */
export function isJson(contentType: unknown): boolean {
  return typeof contentType === 'string' && contentType.includes('json');
}
