import {
  ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_ENCODING_FORMATS,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
} from '@agentrace/core';
import type { Attributes } from '@opentelemetry/api';
import type { GenAiApi } from './detect.js';
import { asArray, asRecord, num, parseJsonArguments, str, type Json } from './json.js';

/** What a request body says, in the conventions' terms. */
export interface RequestInfo {
  model: string | undefined;
  stream: boolean;
  /** `gen_ai.request.*` and `gen_ai.output.type`. */
  attributes: Attributes;
  /** Content (built only when capture is on), in the conventions' structures. */
  system?: unknown[];
  input?: unknown[];
  tools?: unknown[];
}

type Part = Record<string, unknown>;

/** Reads a model API request body (JSON, already parsed). `content` builds the opt-in content structures. */
export function readRequest(api: GenAiApi, body: Json, content: boolean): RequestInfo {
  const b = asRecord(body) ?? {};
  const attributes: Attributes = {};
  const info: RequestInfo = { model: str(b.model), stream: b.stream === true, attributes };
  const set = (key: string, value: unknown): void => {
    if (typeof value === 'number' && Number.isFinite(value)) attributes[key] = value;
  };
  const stop = (value: unknown): void => {
    if (typeof value === 'string') attributes[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = [value];
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) attributes[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = value.slice(0, 32) as string[];
  };
  switch (api) {
    case 'openai.chat':
    case 'openai.completions':
    case 'openai.responses': {
      set(ATTR_GEN_AI_REQUEST_TEMPERATURE, b.temperature);
      set(ATTR_GEN_AI_REQUEST_TOP_P, b.top_p);
      set(ATTR_GEN_AI_REQUEST_MAX_TOKENS, b.max_completion_tokens ?? b.max_tokens ?? b.max_output_tokens);
      set(ATTR_GEN_AI_REQUEST_SEED, b.seed);
      set(ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, b.frequency_penalty);
      set(ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, b.presence_penalty);
      if (typeof b.n === 'number' && b.n !== 1) set(ATTR_GEN_AI_REQUEST_CHOICE_COUNT, b.n);
      stop(b.stop);
      const format = str(asRecord(b.response_format)?.type) ?? str(asRecord(asRecord(b.text)?.format)?.type);
      if (format !== undefined) attributes[ATTR_GEN_AI_OUTPUT_TYPE] = format === 'text' ? 'text' : format.startsWith('json') ? 'json' : format;
      if (content) {
        if (api === 'openai.chat') info.input = openAiChatMessages(asArray(b.messages));
        else if (api === 'openai.completions') info.input = textInput(b.prompt);
        else {
          info.input = responsesInput(b.input);
          if (typeof b.instructions === 'string') info.system = [{ type: 'text', content: b.instructions }];
        }
        if (Array.isArray(b.tools)) info.tools = b.tools;
      }
      break;
    }
    case 'openai.embeddings': {
      const format = str(b.encoding_format);
      if (format !== undefined) attributes[ATTR_GEN_AI_REQUEST_ENCODING_FORMATS] = [format];
      set(ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT, b.dimensions);
      break;
    }
    case 'anthropic.messages': {
      set(ATTR_GEN_AI_REQUEST_TEMPERATURE, b.temperature);
      set(ATTR_GEN_AI_REQUEST_TOP_P, b.top_p);
      set(ATTR_GEN_AI_REQUEST_TOP_K, b.top_k);
      set(ATTR_GEN_AI_REQUEST_MAX_TOKENS, b.max_tokens);
      stop(b.stop_sequences);
      if (content) {
        if (typeof b.system === 'string') info.system = [{ type: 'text', content: b.system }];
        else if (Array.isArray(b.system)) info.system = anthropicParts(b.system);
        info.input = anthropicMessages(asArray(b.messages));
        if (Array.isArray(b.tools)) info.tools = b.tools;
      }
      break;
    }
    case 'gemini.generate': {
      const g = asRecord(b.generationConfig) ?? asRecord(b.generation_config) ?? {};
      set(ATTR_GEN_AI_REQUEST_TEMPERATURE, g.temperature);
      set(ATTR_GEN_AI_REQUEST_TOP_P, g.topP ?? g.top_p);
      set(ATTR_GEN_AI_REQUEST_TOP_K, g.topK ?? g.top_k);
      set(ATTR_GEN_AI_REQUEST_MAX_TOKENS, g.maxOutputTokens ?? g.max_output_tokens);
      set(ATTR_GEN_AI_REQUEST_SEED, g.seed);
      set(ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, g.frequencyPenalty);
      set(ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, g.presencePenalty);
      const count = g.candidateCount;
      if (typeof count === 'number' && count !== 1) set(ATTR_GEN_AI_REQUEST_CHOICE_COUNT, count);
      stop(g.stopSequences);
      const mime = str(g.responseMimeType);
      if (mime !== undefined) attributes[ATTR_GEN_AI_OUTPUT_TYPE] = mime.includes('json') ? 'json' : mime.startsWith('text/') ? 'text' : mime;
      if (content) {
        const system = asRecord(b.systemInstruction ?? b.system_instruction);
        if (system !== undefined) info.system = geminiParts(asArray(system.parts));
        info.input = geminiContents(asArray(b.contents));
        const tools: unknown[] = [];
        for (const t of asArray(b.tools)) {
          const decls = asRecord(t)?.functionDeclarations;
          if (Array.isArray(decls)) for (const d of decls) tools.push({ type: 'function', ...(asRecord(d) ?? {}) });
          else tools.push(t);
        }
        if (tools.length > 0) info.tools = tools;
      }
      break;
    }
    case 'gemini.embed':
      break;
  }
  if (info.model !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = info.model;
  if (info.stream) attributes[ATTR_GEN_AI_REQUEST_STREAM] = true;
  return info;
}

function textInput(prompt: unknown): unknown[] {
  const texts = typeof prompt === 'string' ? [prompt] : asArray(prompt).filter((p) => typeof p === 'string');
  return [{ role: 'user', parts: texts.map((t) => ({ type: 'text', content: t })) }];
}

/** OpenAI message content: a string, or parts (`text`, `image_url`, `input_audio`, `file`). */
function openAiContent(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  const parts: Part[] = [];
  for (const p of asArray(content)) {
    const part = asRecord(p);
    if (part === undefined) continue;
    const type = str(part.type);
    const text = str(part.text);
    if (text !== undefined && (type === 'text' || type === 'input_text' || type === 'output_text' || type === undefined)) parts.push({ type: 'text', content: text });
    else if (type === 'image_url' || type === 'input_image') parts.push({ type: 'uri', modality: 'image', uri: str(asRecord(part.image_url)?.url) ?? str(part.image_url) ?? '' });
    else if (type !== undefined) parts.push({ type });
  }
  return parts;
}

function openAiChatMessages(messages: unknown[]): unknown[] {
  return messages.map((m) => {
    const msg = asRecord(m) ?? {};
    const role = str(msg.role) === 'developer' ? 'system' : (str(msg.role) ?? 'user');
    if (role === 'tool') return { role: 'tool', parts: [{ type: 'tool_call_response', id: str(msg.tool_call_id) ?? null, response: msg.content }] };
    const parts = msg.content === null || msg.content === undefined ? [] : openAiContent(msg.content);
    for (const c of asArray(msg.tool_calls)) {
      const call = asRecord(c);
      const fn = asRecord(call?.function);
      if (fn !== undefined) parts.push({ type: 'tool_call', id: str(call?.id) ?? null, name: str(fn.name) ?? '', arguments: parseJsonArguments(fn.arguments) });
    }
    return { role, parts };
  });
}

function responsesInput(input: unknown): unknown[] {
  if (typeof input === 'string') return [{ role: 'user', parts: [{ type: 'text', content: input }] }];
  const out: unknown[] = [];
  for (const item of asArray(input)) {
    const it = asRecord(item);
    if (it === undefined) continue;
    const type = str(it.type);
    if (type === 'function_call') out.push({ role: 'assistant', parts: [{ type: 'tool_call', id: str(it.call_id) ?? null, name: str(it.name) ?? '', arguments: parseJsonArguments(it.arguments) }] });
    else if (type === 'function_call_output') out.push({ role: 'tool', parts: [{ type: 'tool_call_response', id: str(it.call_id) ?? null, response: it.output }] });
    else if (it.role !== undefined) out.push({ role: str(it.role) === 'developer' ? 'system' : (str(it.role) ?? 'user'), parts: openAiContent(it.content) });
    else if (type !== undefined) out.push({ role: 'user', parts: [{ type }] });
  }
  return out;
}

function anthropicParts(blocks: unknown): Part[] {
  if (typeof blocks === 'string') return [{ type: 'text', content: blocks }];
  const parts: Part[] = [];
  for (const b of asArray(blocks)) {
    const block = asRecord(b);
    if (block === undefined) continue;
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', content: str(block.text) ?? '' });
        break;
      case 'tool_use':
        parts.push({ type: 'tool_call', id: str(block.id) ?? null, name: str(block.name) ?? '', arguments: block.input ?? null });
        break;
      case 'tool_result':
        parts.push({ type: 'tool_call_response', id: str(block.tool_use_id) ?? null, response: block.content ?? null });
        break;
      case 'thinking':
        parts.push({ type: 'reasoning', content: str(block.thinking) ?? '' });
        break;
      default:
        parts.push({ type: str(block.type) ?? 'unknown' });
    }
  }
  return parts;
}

function anthropicMessages(messages: unknown[]): unknown[] {
  return messages.map((m) => {
    const msg = asRecord(m) ?? {};
    const parts = anthropicParts(msg.content);
    // A user turn that only returns tool results is the conventions' `tool` role.
    const role = str(msg.role) === 'user' && parts.length > 0 && parts.every((p) => p.type === 'tool_call_response') ? 'tool' : (str(msg.role) ?? 'user');
    return { role, parts };
  });
}

export function geminiParts(parts: unknown[]): Part[] {
  const out: Part[] = [];
  for (const p of parts) {
    const part = asRecord(p);
    if (part === undefined) continue;
    const call = asRecord(part.functionCall);
    const response = asRecord(part.functionResponse);
    if (typeof part.text === 'string') out.push(part.thought === true ? { type: 'reasoning', content: part.text } : { type: 'text', content: part.text });
    else if (call !== undefined) out.push({ type: 'tool_call', id: str(call.id) ?? null, name: str(call.name) ?? '', arguments: call.args ?? null });
    else if (response !== undefined) out.push({ type: 'tool_call_response', id: str(response.id) ?? null, response: response.response ?? null });
    else if (asRecord(part.inlineData) !== undefined) out.push({ type: 'blob', mime_type: str(asRecord(part.inlineData)?.mimeType) ?? null, modality: 'image', content: '' });
    else out.push({ type: Object.keys(part)[0] ?? 'unknown' });
  }
  return out;
}

function geminiContents(contents: unknown[]): unknown[] {
  return contents.map((c) => {
    const content = asRecord(c) ?? {};
    const parts = geminiParts(asArray(content.parts));
    const role = str(content.role) === 'model' ? 'assistant' : parts.length > 0 && parts.every((p) => p.type === 'tool_call_response') ? 'tool' : (str(content.role) ?? 'user');
    return { role, parts };
  });
}

export { num };
