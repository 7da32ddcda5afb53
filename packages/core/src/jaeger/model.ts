// The JSON of Jaeger's query API (`GET /api/traces/<id>`, `GET /api/traces?service=`), as Jaeger v1
// and v2 answer it: only the fields agentrace reads.

/** A span tag, process tag or log field. */
export interface JaegerKeyValue {
  key: string;
  /**
   * `string`, `bool`, `int64`, `float64` or `binary`. An `int64` past 2^53 arrives as a string (Jaeger v2),
   * and is kept as one so it stays exact.
   */
  type?: string;
  value: unknown;
}

/** A reference from one span to another: its parent (`CHILD_OF`) or a link (`FOLLOWS_FROM`, or a `CHILD_OF` into another trace). */
export interface JaegerReference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM' | (string & {});
  /** Hex, possibly without leading zeros (Jaeger shortens a 128-bit id whose high half is zero). */
  traceID: string;
  spanID: string;
}

/** A log of a span: an OpenTelemetry event, its name in the `event` field. */
export interface JaegerLog {
  /** Microseconds since the Unix epoch. */
  timestamp: number;
  fields: JaegerKeyValue[];
}

/** The process (resource) that made a span. */
export interface JaegerProcess {
  serviceName: string;
  tags?: JaegerKeyValue[];
}

/** One span. */
export interface JaegerSpan {
  /** Hex, possibly without leading zeros. */
  traceID: string;
  /** Hex, possibly without leading zeros. */
  spanID: string;
  operationName: string;
  references?: JaegerReference[];
  /** Microseconds since the Unix epoch. */
  startTime: number;
  /** Microseconds. */
  duration: number;
  /** Attributes, and the span fields Jaeger has no column for (`span.kind`, `otel.status_code`, `otel.scope.name`, …). */
  tags?: JaegerKeyValue[];
  logs?: JaegerLog[];
  /** Key into the trace's `processes`. */
  processID?: string;
}

/** One trace: an element of `data`. */
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes?: Record<string, JaegerProcess>;
}

/** The body of a query API answer. */
export interface JaegerTracesResponse {
  data: JaegerTrace[] | null;
  /** What Jaeger says went wrong (`trace not found`, `parameter 'service' is required`). */
  errors?: { code?: number; msg?: string }[] | null;
}
