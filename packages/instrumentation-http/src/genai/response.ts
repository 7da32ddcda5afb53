import type { GenAiApi } from './detect.js';
import { geminiParts } from './request.js';
import { asArray, asRecord, num, parseJsonArguments, str } from './json.js';

/** One tool call the model asked for. */
export interface ToolCall {
  id: string | undefined;
  name: string;
  /** Argument text as streamed (capture only, bounded). */
  args: string;
  /** Arguments already structured (non-streamed answers; capture only). */
  parsed?: unknown;
  /** The Responses API streams a call's arguments under its output item id. */
  itemId?: string;
}

/** One generated choice / candidate, as far as it was seen. */
interface Choice {
  text: string;
  reasoning: string;
  finish: string | undefined;
  /** Tool calls of this choice, by the index or key the stream gives them. */
  calls: Map<string | number, ToolCall>;
}

/** Tool calls kept per answer: names and ids are small, but an answer could list thousands. */
const MAX_TOOL_CALLS = 128;

/**
 * What an answer said, from a whole JSON body or from its stream events one by one. Token counts
 * and ids are always kept; text and argument deltas only when content is captured, each bounded by
 * `maxChars`, so a long answer never grows this past a fixed size.
 */
export class ResponseState {
  id: string | undefined;
  model: string | undefined;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  cacheRead: number | undefined;
  cacheCreation: number | undefined;
  reasoningTokens: number | undefined;
  /** The API's own error code, from an error body or an `error` stream event. */
  errorType: string | undefined;
  /** Stream events seen. */
  events = 0;
  private readonly choices = new Map<number, Choice>();
  private toolCallCount = 0;

  constructor(
    readonly api: GenAiApi,
    private readonly keepContent: boolean,
    private readonly maxChars: number,
  ) {}

  private choice(index: number): Choice {
    let c = this.choices.get(index);
    if (c === undefined) {
      c = { text: '', reasoning: '', finish: undefined, calls: new Map() };
      this.choices.set(index, c);
    }
    return c;
  }

  private appends = 0;

  private appendText(c: Choice, delta: unknown, field: 'text' | 'reasoning' = 'text'): void {
    if (!this.keepContent || typeof delta !== 'string' || c[field].length >= this.maxChars) return;
    c[field] = this.flatten(c[field] + (delta.length + c[field].length > this.maxChars ? delta.slice(0, this.maxChars - c[field].length) : delta));
  }

  /**
   * `a += b` over many small deltas makes a rope of one node per delta (tens of bytes each, more than
   * the text): every 32 appends the text is copied flat, so it costs about its own length.
   */
  private flatten(text: string): string {
    return ++this.appends % 32 === 0 ? `${text} `.slice(0, -1) : text;
  }

  private call(c: Choice, key: string | number): ToolCall | undefined {
    let call = c.calls.get(key);
    if (call === undefined) {
      if (this.toolCallCount >= MAX_TOOL_CALLS) return undefined;
      this.toolCallCount++;
      call = { id: undefined, name: '', args: '' };
      c.calls.set(key, call);
    }
    return call;
  }

  private appendArgs(call: ToolCall, delta: unknown): void {
    if (!this.keepContent || typeof delta !== 'string' || call.args.length >= this.maxChars) return;
    call.args = this.flatten(call.args + (delta.length + call.args.length > this.maxChars ? delta.slice(0, this.maxChars - call.args.length) : delta));
  }

  /** A whole (non-streamed) JSON answer, or an error body. */
  json(body: unknown): void {
    const b = asRecord(body);
    if (b === undefined) return;
    if (this.readError(b)) return;
    switch (this.api) {
      case 'openai.chat':
      case 'openai.completions':
        this.openAiChunk(b, false);
        break;
      case 'openai.responses':
        this.responsesObject(b);
        break;
      case 'openai.embeddings':
        this.id ??= str(b.id);
        this.model = str(b.model) ?? this.model;
        this.openAiUsage(asRecord(b.usage));
        break;
      case 'anthropic.messages':
        this.anthropicMessage(b);
        break;
      case 'gemini.generate':
        this.geminiChunk(b);
        break;
      case 'gemini.embed':
        break;
    }
  }

  /** One stream event (`data` parsed as JSON; `name` is the SSE event field, often empty). */
  event(name: string, data: unknown): void {
    this.events++;
    const d = asRecord(data);
    if (d === undefined) return;
    switch (this.api) {
      case 'openai.chat':
      case 'openai.completions':
        if (!this.readError(d)) this.openAiChunk(d, true);
        break;
      case 'openai.responses':
        this.responsesEvent(str(d.type) ?? name, d);
        break;
      case 'anthropic.messages':
        this.anthropicEvent(str(d.type) ?? name, d);
        break;
      case 'gemini.generate':
        if (!this.readError(d)) this.geminiChunk(d);
        break;
      default:
        this.json(d);
    }
  }

  /** `{ error: { code | type | status } }` (OpenAI, Gemini) or `{ type: 'error', error: { type } }` (Anthropic). */
  private readError(b: Record<string, unknown>): boolean {
    const error = asRecord(b.error);
    if (error === undefined) return false;
    const code = error.code;
    this.errorType =
      this.api === 'anthropic.messages'
        ? (str(error.type) ?? this.errorType)
        : this.api.startsWith('gemini')
          ? (str(error.status) ?? (typeof code === 'number' ? String(code) : this.errorType))
          : (str(code) ?? str(error.type) ?? this.errorType);
    return true;
  }

  private openAiUsage(usage: Record<string, unknown> | undefined): void {
    if (usage === undefined) return;
    this.inputTokens = num(usage.prompt_tokens) ?? num(usage.input_tokens) ?? this.inputTokens;
    this.outputTokens = num(usage.completion_tokens) ?? num(usage.output_tokens) ?? this.outputTokens;
    const inDetails = asRecord(usage.prompt_tokens_details) ?? asRecord(usage.input_tokens_details);
    const outDetails = asRecord(usage.completion_tokens_details) ?? asRecord(usage.output_tokens_details);
    this.cacheRead = num(inDetails?.cached_tokens) ?? this.cacheRead;
    this.reasoningTokens = num(outDetails?.reasoning_tokens) ?? this.reasoningTokens;
  }

  /** A chat completion, or one chunk of a streamed one (`delta` instead of `message`). */
  private openAiChunk(b: Record<string, unknown>, streamed: boolean): void {
    this.id ??= str(b.id);
    this.model = str(b.model) ?? this.model;
    this.openAiUsage(asRecord(b.usage));
    for (const raw of asArray(b.choices)) {
      const ch = asRecord(raw);
      if (ch === undefined) continue;
      const c = this.choice(num(ch.index) ?? 0);
      const finish = str(ch.finish_reason);
      if (finish !== undefined) c.finish = finish;
      const message = asRecord(streamed ? ch.delta : ch.message);
      if (message === undefined) {
        this.appendText(c, ch.text); // legacy completions
        continue;
      }
      this.appendText(c, message.content);
      this.appendText(c, message.reasoning_content ?? message.reasoning, 'reasoning');
      const calls = asArray(message.tool_calls);
      for (let i = 0; i < calls.length; i++) {
        const tc = asRecord(calls[i]);
        if (tc === undefined) continue;
        const call = this.call(c, streamed ? (num(tc.index) ?? i) : i);
        if (call === undefined) continue;
        call.id ??= str(tc.id);
        const fn = asRecord(tc.function);
        if (fn !== undefined) {
          if (typeof fn.name === 'string' && call.name === '') call.name = fn.name;
          this.appendArgs(call, fn.arguments);
        }
      }
    }
  }

  /** The Responses API's response object (whole, or in `response.completed` and its siblings). */
  private responsesObject(r: Record<string, unknown>): void {
    this.id = str(r.id) ?? this.id;
    this.model = str(r.model) ?? this.model;
    this.openAiUsage(asRecord(r.usage));
    const error = asRecord(r.error);
    if (error !== undefined) this.errorType = str(error.code) ?? str(error.type) ?? this.errorType;
    const output = asArray(r.output);
    if (output.length === 0 && r.status === undefined) return;
    const c = this.choice(0);
    let text = '';
    let calls = 0;
    for (const raw of output) {
      const item = asRecord(raw);
      if (item === undefined) continue;
      if (item.type === 'function_call') {
        const call = this.call(c, str(item.call_id) ?? str(item.id) ?? calls);
        calls++;
        if (call === undefined) continue;
        call.id = str(item.call_id) ?? call.id;
        call.name = str(item.name) ?? call.name;
        if (this.keepContent && call.args === '') this.appendArgs(call, item.arguments);
      } else if (item.type === 'message' && this.keepContent) {
        for (const p of asArray(item.content)) {
          const part = asRecord(p);
          if (typeof part?.text === 'string') text += part.text;
        }
      }
    }
    if (this.keepContent && text !== '' && c.text === '') this.appendText(c, text);
    const status = str(r.status);
    if (status === 'completed') c.finish = calls > 0 ? 'tool_call' : 'stop';
    else if (status === 'incomplete') {
      const reason = str(asRecord(r.incomplete_details)?.reason);
      c.finish = reason === 'max_output_tokens' ? 'length' : (reason ?? 'incomplete');
    } else if (status === 'failed') c.finish = 'error';
  }

  private responsesEvent(type: string, d: Record<string, unknown>): void {
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed': {
        const r = asRecord(d.response);
        if (r !== undefined) this.responsesObject(r);
        break;
      }
      case 'response.output_item.added':
      case 'response.output_item.done': {
        const item = asRecord(d.item);
        if (item?.type !== 'function_call') break;
        const call = this.call(this.choice(0), str(item.call_id) ?? str(item.id) ?? num(d.output_index) ?? 0);
        if (call === undefined) break;
        call.id = str(item.call_id) ?? call.id;
        call.name = str(item.name) ?? call.name;
        call.itemId = str(item.id) ?? call.itemId;
        if (type === 'response.output_item.done' && this.keepContent) {
          call.args = '';
          this.appendArgs(call, item.arguments);
        }
        break;
      }
      case 'response.output_text.delta':
        this.appendText(this.choice(0), d.delta);
        break;
      case 'response.function_call_arguments.delta': {
        // Keyed by item id; the call was registered by `output_item.added` under its call id.
        const itemId = str(d.item_id);
        for (const call of this.choice(0).calls.values()) {
          if (itemId !== undefined && call.itemId === itemId) this.appendArgs(call, d.delta);
        }
        break;
      }
      case 'error':
        this.errorType = str(d.code) ?? str(asRecord(d.error)?.code) ?? str(asRecord(d.error)?.type) ?? 'error';
        break;
    }
  }

  private anthropicUsage(usage: Record<string, unknown> | undefined): void {
    if (usage === undefined) return;
    const input = num(usage.input_tokens);
    const read = num(usage.cache_read_input_tokens);
    const created = num(usage.cache_creation_input_tokens);
    if (read !== undefined) this.cacheRead = read;
    if (created !== undefined) this.cacheCreation = created;
    // The conventions count cached tokens in the input; Anthropic reports them apart.
    if (input !== undefined) this.inputTokens = input + (this.cacheRead ?? 0) + (this.cacheCreation ?? 0);
    this.outputTokens = num(usage.output_tokens) ?? this.outputTokens;
  }

  private anthropicMessage(m: Record<string, unknown>): void {
    this.id = str(m.id) ?? this.id;
    this.model = str(m.model) ?? this.model;
    this.anthropicUsage(asRecord(m.usage));
    const c = this.choice(0);
    const stop = str(m.stop_reason);
    if (stop !== undefined) c.finish = stop;
    const content = asArray(m.content);
    for (let i = 0; i < content.length; i++) this.anthropicBlock(c, i, asRecord(content[i]), true);
  }

  private anthropicBlock(c: Choice, index: number, block: Record<string, unknown> | undefined, whole: boolean): void {
    if (block === undefined) return;
    if (block.type === 'text') this.appendText(c, block.text);
    else if (block.type === 'thinking') this.appendText(c, block.thinking, 'reasoning');
    else if (block.type === 'tool_use' || block.type === 'server_tool_use') {
      const call = this.call(c, index);
      if (call === undefined) return;
      call.id = str(block.id);
      call.name = str(block.name) ?? '';
      if (whole && this.keepContent) call.parsed = block.input ?? null;
    }
  }

  private anthropicEvent(type: string, d: Record<string, unknown>): void {
    const c = this.choice(0);
    switch (type) {
      case 'message_start':
        this.anthropicMessage(asRecord(d.message) ?? {});
        break;
      case 'content_block_start':
        this.anthropicBlock(c, num(d.index) ?? 0, asRecord(d.content_block), false);
        break;
      case 'content_block_delta': {
        const delta = asRecord(d.delta);
        if (delta === undefined) break;
        if (delta.type === 'text_delta') this.appendText(c, delta.text);
        else if (delta.type === 'thinking_delta') this.appendText(c, delta.thinking, 'reasoning');
        else if (delta.type === 'input_json_delta') {
          const call = c.calls.get(num(d.index) ?? 0);
          if (call !== undefined) this.appendArgs(call, delta.partial_json);
        }
        break;
      }
      case 'message_delta': {
        const stop = str(asRecord(d.delta)?.stop_reason);
        if (stop !== undefined) c.finish = stop;
        const usage = asRecord(d.usage);
        // Cumulative counts; input and cache figures appear here only on some models.
        if (usage !== undefined) {
          if (num(usage.input_tokens) !== undefined) this.anthropicUsage(usage);
          else this.outputTokens = num(usage.output_tokens) ?? this.outputTokens;
        }
        break;
      }
      case 'error':
        this.errorType = str(asRecord(d.error)?.type) ?? 'error';
        break;
    }
  }

  private geminiChunk(b: Record<string, unknown>): void {
    this.id = str(b.responseId) ?? this.id;
    this.model = str(b.modelVersion) ?? this.model;
    const usage = asRecord(b.usageMetadata);
    if (usage !== undefined) {
      this.inputTokens = num(usage.promptTokenCount) ?? this.inputTokens;
      const thoughts = num(usage.thoughtsTokenCount);
      const candidates = num(usage.candidatesTokenCount);
      if (candidates !== undefined || thoughts !== undefined) this.outputTokens = (candidates ?? 0) + (thoughts ?? 0);
      this.reasoningTokens = thoughts ?? this.reasoningTokens;
      this.cacheRead = num(usage.cachedContentTokenCount) ?? this.cacheRead;
    }
    for (const raw of asArray(b.candidates)) {
      const cand = asRecord(raw);
      if (cand === undefined) continue;
      const c = this.choice(num(cand.index) ?? 0);
      const finish = str(cand.finishReason);
      if (finish !== undefined) c.finish = finish;
      const parts = asArray(asRecord(cand.content)?.parts);
      for (const p of parts) {
        const part = asRecord(p);
        if (part === undefined) continue;
        if (typeof part.text === 'string') this.appendText(c, part.text, part.thought === true ? 'reasoning' : 'text');
        const fc = asRecord(part.functionCall);
        if (fc !== undefined) {
          // Gemini sends each call whole; calls without an id are told apart by their order.
          const call = this.call(c, c.calls.size);
          if (call === undefined) continue;
          call.id = str(fc.id);
          call.name = str(fc.name) ?? '';
          if (this.keepContent) call.parsed = fc.args ?? null;
        }
      }
    }
  }

  /** Finish reasons in choice order. */
  finishReasons(): string[] {
    const out: string[] = [];
    for (const index of [...this.choices.keys()].sort((a, b) => a - b)) {
      const finish = this.choices.get(index)!.finish;
      if (finish !== undefined) out.push(finish);
    }
    return out;
  }

  /** Every tool call asked for, in choice and arrival order. */
  toolCalls(): ToolCall[] {
    const out: ToolCall[] = [];
    for (const index of [...this.choices.keys()].sort((a, b) => a - b)) out.push(...this.choices.get(index)!.calls.values());
    return out;
  }

  /** `gen_ai.output.messages` in the conventions' structure (content capture only). */
  outputMessages(): unknown[] {
    const out: unknown[] = [];
    for (const index of [...this.choices.keys()].sort((a, b) => a - b)) {
      const c = this.choices.get(index)!;
      const parts: unknown[] = [];
      if (c.reasoning !== '') parts.push({ type: 'reasoning', content: c.reasoning });
      if (c.text !== '') parts.push({ type: 'text', content: c.text });
      for (const call of c.calls.values()) {
        parts.push({ type: 'tool_call', id: call.id ?? null, name: call.name, arguments: call.parsed !== undefined ? call.parsed : parseJsonArguments(call.args === '' ? undefined : call.args) });
      }
      out.push({ role: 'assistant', parts, finish_reason: c.finish ?? null });
    }
    return out;
  }
}

export { geminiParts };
