// The wire corpus of issue 15: what a remote peer can put in the trace context headers of an HTTP
// request, an AMQP message or a BullMQ job, each case with W3C's verdict on it. `continue`: the
// traceparent is valid (W3C Trace Context, "traceparent Header Field Values", including the rules for
// versions other than 00), so the receiving span continues that trace under that parent; `restart`:
// it is not (or missing), so the receiver starts a new trace. Baggage and tracestate never change the
// verdict: their invalid members are dropped (W3C Baggage, "Limits" and the grammar; tracestate past
// 512 characters or 32 members may be discarded).
import { randomBytes } from 'node:crypto';

export type Verdict = 'continue' | 'restart';

/** A header value as the transport carries it: text, raw bytes, or (AMQP/BullMQ only) another type. */
export type HeaderValue = string | { bytes: number[] } | number | { table: Record<string, unknown> } | string[];

export interface WireCase {
  name: string;
  /** Header name and value, in order; a name may repeat (HTTP duplicate headers). */
  headers: [string, HeaderValue][];
  verdict: Verdict;
  /** HTTP only: Node's parser refuses the request (a control character in a header value), so no span exists. */
  refusedByHttpParser?: boolean;
  /** Which transports the case applies to (default: all three). */
  only?: readonly ('http' | 'amqp' | 'bullmq')[];
}

export interface Corpus {
  traceId: string;
  spanId: string;
  cases: WireCase[];
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A fresh corpus: one caller trace and span id shared by every case that carries a valid traceparent. */
export function wireCorpus(): Corpus {
  const traceId = hex(16);
  const spanId = hex(8);
  const valid = `00-${traceId}-${spanId}-01`;
  const longId = 'x'.repeat(4000);
  const members200 = Array.from({ length: 200 }, (_, i) => `k${i}=v${i}`).join(',');
  const bag10k = `agentrace.correlation_id=big,${Array.from({ length: 400 }, (_, i) => `key${i}=${'v'.repeat(20)}`).join(',')}`;
  const tracestate600 = `vendor=${'a'.repeat(600)}`;
  const tracestate40 = Array.from({ length: 40 }, (_, i) => `v${i}=x${i}`).join(',');
  const cases: WireCase[] = [
    { name: 'valid traceparent', headers: [['traceparent', valid]], verdict: 'continue' },
    { name: 'version ff is invalid', headers: [['traceparent', `ff-${traceId}-${spanId}-01`]], verdict: 'restart' },
    { name: 'a future version with an extra field', headers: [['traceparent', `cc-${traceId}-${spanId}-01-what-comes-next`]], verdict: 'continue' },
    { name: 'version 00 with an extra field', headers: [['traceparent', `${valid}-extra`]], verdict: 'restart' },
    { name: 'upper-case hex', headers: [['traceparent', `00-${traceId.toUpperCase()}-${spanId}-01`]], verdict: 'restart' },
    { name: 'all-zero trace id', headers: [['traceparent', `00-${'0'.repeat(32)}-${spanId}-01`]], verdict: 'restart' },
    { name: 'all-zero span id', headers: [['traceparent', `00-${traceId}-${'0'.repeat(16)}-01`]], verdict: 'restart' },
    { name: 'malformed', headers: [['traceparent', '00-abc-def-01']], verdict: 'restart' },
    { name: 'separators missing', headers: [['traceparent', `00${traceId}${spanId}01`]], verdict: 'restart' },
    {
      name: 'duplicate traceparent headers',
      headers: [
        ['traceparent', valid],
        ['traceparent', `00-${hex(16)}-${hex(8)}-01`],
      ],
      verdict: 'restart',
      only: ['http'],
    },
    { name: '8 KB traceparent, version 00', headers: [['traceparent', `${valid}-${'z'.repeat(8 * 1024)}`]], verdict: 'restart' },
    { name: '8 KB traceparent, future version', headers: [['traceparent', `cc-${traceId}-${spanId}-01-${'z'.repeat(8 * 1024)}`]], verdict: 'continue' },
    { name: 'tracestate over 512 characters', headers: [['traceparent', valid], ['tracestate', tracestate600]], verdict: 'continue' },
    { name: 'tracestate over 32 members', headers: [['traceparent', valid], ['tracestate', tracestate40]], verdict: 'continue' },
    { name: 'baggage with 200 entries', headers: [['traceparent', valid], ['baggage', `user.id=many,${members200}`]], verdict: 'continue' },
    { name: '10 KB baggage', headers: [['traceparent', valid], ['baggage', bag10k]], verdict: 'continue' },
    {
      name: 'bad percent-escapes',
      headers: [['traceparent', valid], ['baggage', 'user.id=%E0%A4%A,agentrace.correlation_id=%zz,tenant.id=%FF%FE']],
      verdict: 'continue',
    },
    {
      name: 'control characters, markup and a 4,000-character id, percent-encoded',
      headers: [
        ['traceparent', valid],
        ['baggage', `user.id=line1%0Aline2%00%1B%5B31m%E2%80%AEevil,agentrace.correlation_id=%3Cscript%3Ealert(1)%3C%2Fscript%3E${longId},session.id=%C2%85x`],
      ],
      verdict: 'continue',
    },
    { name: 'non-UTF-8 bytes in baggage', headers: [['traceparent', valid], ['baggage', { bytes: [...Buffer.from('user.id=a'), 0xff, 0xfe, ...Buffer.from(',tenant.id=t1')] }]], verdict: 'continue' },
    { name: 'a control character in a header value', headers: [['traceparent', valid], ['baggage', 'user.id=a\u0001b']], verdict: 'continue', refusedByHttpParser: true },
    // Header values of other types: what AMQP tables and JSON carriers can hold.
    { name: 'traceparent as bytes', headers: [['traceparent', { bytes: [...Buffer.from(valid)] }]], verdict: 'continue', only: ['amqp'] },
    { name: 'traceparent as a number', headers: [['traceparent', 1234567]], verdict: 'restart', only: ['amqp', 'bullmq'] },
    { name: 'traceparent as a nested table', headers: [['traceparent', { table: { value: valid } }]], verdict: 'restart', only: ['amqp', 'bullmq'] },
    { name: 'Traceparent in another case', headers: [['Traceparent', valid]], verdict: 'continue', only: ['amqp', 'bullmq'] },
    { name: 'traceparent as a list', headers: [['traceparent', [valid]]], verdict: 'continue', only: ['amqp', 'bullmq'] },
    { name: 'baggage as bytes', headers: [['traceparent', valid], ['baggage', { bytes: [...Buffer.from('user.id=from-bytes,agentrace.correlation_id=bytes-run')] }]], verdict: 'continue', only: ['amqp'] },
    { name: 'baggage as a number', headers: [['traceparent', valid], ['baggage', 42]], verdict: 'continue', only: ['amqp', 'bullmq'] },
    { name: 'baggage as a nested table', headers: [['traceparent', valid], ['baggage', { table: { 'user.id': 'nested' } }]], verdict: 'continue', only: ['amqp', 'bullmq'] },
    {
      name: 'both cases of traceparent, the exact name wins',
      headers: [
        ['TRACEPARENT', `00-${hex(16)}-${hex(8)}-01`],
        ['traceparent', valid],
      ],
      verdict: 'continue',
      only: ['amqp', 'bullmq'],
    },
    { name: 'a publisher-set x-delivery-count', headers: [['traceparent', valid], ['x-delivery-count', 7]], verdict: 'continue', only: ['amqp'] },
  ];
  return { traceId, spanId, cases };
}

export function appliesTo(c: WireCase, transport: 'http' | 'amqp' | 'bullmq'): boolean {
  return c.only === undefined || c.only.includes(transport);
}

/** A header value as an AMQP header or a JSON carrier value. */
export function asCarrierValue(value: HeaderValue): unknown {
  if (typeof value === 'string' || typeof value === 'number' || Array.isArray(value)) return value;
  if ('bytes' in value) return Buffer.from(value.bytes);
  return value.table;
}

/** Control characters, bidi overrides and other invisible formatting: never in an exported attribute. */
export const UNSAFE_TEXT = /[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF]/;
