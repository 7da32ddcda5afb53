/**
 * An incremental Server-Sent Events parser: text goes in as it arrives, each complete event comes
 * out once. It holds only the event being read: one line in progress and the data of the current
 * event, each bounded by `maxEventChars`; an event past the bound is skipped whole and counted.
 */
export class SseParser {
  private partial = '';
  private eventName = '';
  private data: string | undefined;
  private dataChars = 0;
  /** Skipping the rest of an oversized line or event. */
  private skippingLine = false;
  private skippingEvent = false;
  /** Events too large to parse. */
  oversized = 0;

  constructor(
    private readonly maxEventChars: number,
    private readonly onEvent: (event: string, data: string) => void,
  ) {}

  push(text: string): void {
    let start = 0;
    let buffer = text;
    if (this.partial !== '') {
      buffer = this.partial + text;
      this.partial = '';
    }
    for (;;) {
      const nl = buffer.indexOf('\n', start);
      if (nl === -1) break;
      const end = nl > start && buffer.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (this.skippingLine) this.skippingLine = false;
      else this.line(buffer, start, end);
      start = nl + 1;
    }
    if (start < buffer.length) {
      const rest = buffer.length - start;
      if (this.skippingLine) return;
      if (rest > this.maxEventChars) {
        // A line longer than any event we parse: drop it and the event it belongs to.
        this.skippingLine = true;
        this.skipEvent();
        return;
      }
      // A copy, not a slice: a slice keeps the whole chunk it came from alive while the stream waits.
      this.partial = `${buffer.slice(start)} `.slice(0, -1);
    }
  }

  /** The stream ended: an event not followed by a blank line is complete only if the spec says so (it does not). */
  end(): void {
    this.partial = '';
    this.resetEvent();
  }

  private line(buffer: string, start: number, end: number): void {
    if (end === start) {
      this.dispatch();
      return;
    }
    if (this.skippingEvent) return;
    const first = buffer.charCodeAt(start);
    if (first === 58) return; // ':' comment (keep-alive)
    const colon = buffer.indexOf(':', start);
    const fieldEnd = colon === -1 || colon > end ? end : colon;
    let valueStart = fieldEnd === end ? end : fieldEnd + 1;
    if (valueStart < end && buffer.charCodeAt(valueStart) === 32) valueStart++;
    const length = fieldEnd - start;
    if (length === 4 && buffer.startsWith('data', start)) {
      const value = buffer.slice(valueStart, end);
      this.dataChars += value.length + 1;
      if (this.dataChars > this.maxEventChars) {
        this.skipEvent();
        return;
      }
      this.data = this.data === undefined ? value : `${this.data}\n${value}`;
    } else if (length === 5 && buffer.startsWith('event', start)) {
      this.eventName = buffer.slice(valueStart, end);
    }
    // `id` and `retry` matter to a reconnecting reader, not to what the answer says.
  }

  private skipEvent(): void {
    if (!this.skippingEvent) this.oversized++;
    this.skippingEvent = true;
    this.data = undefined;
  }

  private dispatch(): void {
    const { data, eventName } = this;
    const skipped = this.skippingEvent;
    this.resetEvent();
    if (!skipped && data !== undefined) this.onEvent(eventName, data);
  }

  private resetEvent(): void {
    this.eventName = '';
    this.data = undefined;
    this.dataChars = 0;
    this.skippingEvent = false;
  }
}
