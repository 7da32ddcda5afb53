import type { ResolvedGenAiConfig } from './config.js';

/** The model APIs whose wire formats are recognised. */
export type GenAiApi =
  | 'openai.chat'
  | 'openai.responses'
  | 'openai.completions'
  | 'openai.embeddings'
  | 'anthropic.messages'
  | 'gemini.generate'
  | 'gemini.embed';

/** A request recognised as a call to a model API, from its URL alone. */
export interface GenAiCall {
  api: GenAiApi;
  /** `gen_ai.provider.name`. */
  provider: string;
  /** `gen_ai.operation.name`: `chat`, `text_completion`, `embeddings`, `generate_content`. */
  operation: string;
  /** The model, when the URL names it (Gemini: `/models/{model}:generateContent`). */
  model: string | undefined;
  /** True when the URL asks for a streamed answer (Gemini's `streamGenerateContent`). */
  stream: boolean;
}

/** Hosts whose provider is known; a suffix matches the host or any subdomain. */
const HOST_PROVIDERS: readonly [string, string][] = [
  ['api.openai.com', 'openai'],
  ['openai.azure.com', 'azure.ai.openai'],
  ['services.ai.azure.com', 'azure.ai.openai'],
  ['api.anthropic.com', 'anthropic'],
  ['generativelanguage.googleapis.com', 'gcp.gemini'],
  ['aiplatform.googleapis.com', 'gcp.vertex_ai'],
  ['api.mistral.ai', 'mistral_ai'],
  ['api.groq.com', 'groq'],
  ['api.deepseek.com', 'deepseek'],
  ['api.x.ai', 'x_ai'],
  ['api.perplexity.ai', 'perplexity'],
  ['api.cohere.com', 'cohere'],
];

/** The provider an API shape stands for when the host says nothing (a local server, a proxy). */
const SHAPE_PROVIDERS: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  // The conventions' value for a Google endpoint whose backend is unknown.
  gemini: 'gcp.gen_ai',
};

const GEMINI_PATH = /\/models\/([^/:?]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/;

/**
 * Recognises a model API call by its path: OpenAI-compatible (`/chat/completions`, `/v1/responses`,
 * `/v1/completions`, `/embeddings`, on any host), Anthropic (`/v1/messages`) and Gemini
 * (`/models/{model}:generateContent`, `:streamGenerateContent`, `:embedContent`,
 * `:batchEmbedContents`). The provider comes from the user's `providers`, then well-known hosts, then
 * the API shape. Pure: cached per URL by the caller.
 */
export function detectGenAiCall(cfg: ResolvedGenAiConfig, host: string, pathAndQuery: string): GenAiCall | undefined {
  const q = pathAndQuery.indexOf('?');
  const path = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
  let api: GenAiApi;
  let operation: string;
  let shape: string;
  let model: string | undefined;
  let stream = false;
  if (path.endsWith('/chat/completions')) [api, operation, shape] = ['openai.chat', 'chat', 'openai'];
  else if (path.endsWith('/v1/messages')) [api, operation, shape] = ['anthropic.messages', 'chat', 'anthropic'];
  else if (path.endsWith('/v1/responses') || path.endsWith('/openai/responses')) [api, operation, shape] = ['openai.responses', 'chat', 'openai'];
  else if (path.endsWith('/v1/completions')) [api, operation, shape] = ['openai.completions', 'text_completion', 'openai'];
  else if (path.endsWith('/embeddings')) [api, operation, shape] = ['openai.embeddings', 'embeddings', 'openai'];
  else {
    const m = GEMINI_PATH.exec(path);
    if (m === null) return undefined;
    shape = 'gemini';
    model = decodeModel(m[1]!);
    const method = m[2]!;
    if (method === 'embedContent' || method === 'batchEmbedContents') [api, operation] = ['gemini.embed', 'embeddings'];
    else {
      [api, operation] = ['gemini.generate', 'generate_content'];
      stream = method === 'streamGenerateContent';
    }
  }
  return { api, provider: providerOf(cfg, host, shape), operation, model, stream };
}

function decodeModel(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function providerOf(cfg: ResolvedGenAiConfig, host: string, shape: string): string {
  const own = cfg.providerOf(host);
  if (own !== undefined) return own;
  for (const [suffix, name] of HOST_PROVIDERS) {
    if (host === suffix || host.endsWith(`.${suffix}`)) return name;
  }
  return SHAPE_PROVIDERS[shape]!;
}
