import { createRedactor, createReporter, REDACTION_FAILED, URL_SECRET_PATTERNS, type Redactor, type RedactOptions } from '@agentrace/core';
import type { Attributes, AttributeValue, Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

const reporter = createReporter('@agentrace/tracer');

/** Options of the redaction step every span goes through before export (`init({ redact })`). */
export interface RedactionOptions extends RedactOptions {
  /**
   * Also mask secrets carried in URLs (`URL_SECRET_PATTERNS` of `@agentrace/core`: tokens in paths,
   * webhook URLs, secret query parameters), in every string. Default true.
   */
  urls?: boolean;
}

/** Only strings holding one of these can hold a URL secret: the URL patterns are skipped on the rest. */
const URL_HINT = /[/?&=]/;

/**
 * The last look at every span before it is exported, whoever set what it holds (agentrace, the app's
 * own `span.setAttribute`, `recordException`, any other instrumentation): each attribute, each event's
 * and link's attributes, the status message and the span name go through `@agentrace/core`'s
 * redaction rules. A value under a secret key is replaced whole; secret-looking parts of strings
 * (bearer tokens, API keys, passwords in URLs, tokens in URL paths) are masked. Runs in `onEnd`, before
 * the export processors (it is registered ahead of them), on the span object itself. Never throws: a
 * failure is reported once and the value dropped.
 */
export class RedactionSpanProcessor implements SpanProcessor {
  private readonly redactor: Redactor;
  private readonly urls: Redactor | undefined;
  private reported = false;

  constructor(options: RedactionOptions = {}) {
    const { urls = true, ...rules } = options;
    this.redactor = createRedactor(rules);
    this.urls = urls === false ? undefined : createRedactor({ defaults: false, patterns: URL_SECRET_PATTERNS, replacement: this.redactor.replacement });
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    try {
      this.redactAttributes(span.attributes);
      for (const event of span.events) if (event.attributes !== undefined) this.redactAttributes(event.attributes);
      for (const link of span.links) if (link.attributes !== undefined) this.redactAttributes(link.attributes);
      const writable = span as { name: string; status: { message?: string } };
      const name = this.text(span.name);
      if (name !== span.name) writable.name = name;
      const message = span.status.message;
      if (typeof message === 'string') {
        const masked = this.text(message);
        if (masked !== message) writable.status = { ...span.status, message: masked };
      }
    } catch (error) {
      if (!this.reported) {
        this.reported = true;
        reporter.error('the redaction step failed on a span; its attributes may be exported unmasked. Reported once', error);
      }
    }
  }

  private redactAttributes(attributes: Attributes): void {
    const mutable = attributes as Record<string, AttributeValue | undefined>;
    for (const key in mutable) {
      const value = mutable[key];
      const next = this.value(key, value);
      if (next !== value) mutable[key] = next;
    }
  }

  private value(key: string, value: AttributeValue | undefined): AttributeValue | undefined {
    const kept = this.redactor.redact(key, value, [key]);
    if (typeof kept === 'string') return this.text(kept);
    if (typeof kept === 'number' || typeof kept === 'boolean' || kept === undefined || kept === null) return kept ?? undefined;
    if (Array.isArray(kept)) {
      let changed = kept !== value;
      const out = kept.map((item: unknown) => {
        if (typeof item !== 'string') return item;
        const masked = this.text(item);
        if (masked !== item) changed = true;
        return masked;
      });
      return (changed ? out : kept) as AttributeValue;
    }
    // A user hook returned something that is no attribute value: dropped, never written unchecked.
    return REDACTION_FAILED;
  }

  private text(value: string): string {
    const masked = this.redactor.redactString(value);
    return this.urls !== undefined && URL_HINT.test(masked) ? this.urls.redactString(masked) : masked;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
