/**
 * A small reader for the OTLP trace request in protobuf (`opentelemetry/proto/collector/trace/v1`),
 * enough for tests: resource attributes, and each span's ids, name and attributes. Turns it into
 * the OTLP JSON shape, so one decoder serves both encodings.
 */
class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  }
  bytes(): Uint8Array {
    const n = this.varint();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) {
      const n = this.varint();
      this.pos += n;
    }
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  double(): number {
    const v = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, 8).readDoubleLE(0);
    this.pos += 8;
    return v;
  }
  /** Calls `field` for each field, which must read or skip it. */
  each(field: (n: number, wire: number, r: Reader) => void): void {
    while (!this.done()) {
      const tag = this.varint();
      field(tag >>> 3, tag & 7, this);
    }
  }
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

type Json = Record<string, unknown>;

function anyValue(buf: Uint8Array): Json {
  let out: Json = {};
  new Reader(buf).each((n, wire, r) => {
    if (n === 1 && wire === 2) out = { stringValue: text(r.bytes()) };
    else if (n === 2 && wire === 0) out = { boolValue: r.varint() !== 0 };
    else if (n === 3 && wire === 0) out = { intValue: r.varint() };
    else if (n === 4 && wire === 1) out = { doubleValue: r.double() };
    else if (n === 5 && wire === 2) {
      const values: Json[] = [];
      new Reader(r.bytes()).each((m, w, rr) => {
        if (m === 1 && w === 2) values.push(anyValue(rr.bytes()));
        else rr.skip(w);
      });
      out = { arrayValue: { values } };
    } else r.skip(wire);
  });
  return out;
}

function keyValue(buf: Uint8Array): { key: string; value: Json } {
  let key = '';
  let value: Json = {};
  new Reader(buf).each((n, wire, r) => {
    if (n === 1 && wire === 2) key = text(r.bytes());
    else if (n === 2 && wire === 2) value = anyValue(r.bytes());
    else r.skip(wire);
  });
  return { key, value };
}

function span(buf: Uint8Array): Json {
  const out: Json = { attributes: [] };
  new Reader(buf).each((n, wire, r) => {
    if (wire !== 2) return r.skip(wire);
    if (n === 1) out.traceId = hex(r.bytes());
    else if (n === 2) out.spanId = hex(r.bytes());
    else if (n === 4) out.parentSpanId = hex(r.bytes());
    else if (n === 5) out.name = text(r.bytes());
    else if (n === 9) (out.attributes as unknown[]).push(keyValue(r.bytes()));
    else r.skip(wire);
  });
  return out;
}

/** The request in OTLP JSON's shape (the fields tests read). */
export function decodeTraceRequest(buf: Uint8Array): Json {
  const resourceSpans: Json[] = [];
  new Reader(buf).each((n, wire, r) => {
    if (n !== 1 || wire !== 2) return r.skip(wire);
    const rs: Json = { resource: { attributes: [] }, scopeSpans: [] };
    new Reader(r.bytes()).each((m, w, rr) => {
      if (m === 1 && w === 2) {
        new Reader(rr.bytes()).each((k, ww, r3) => {
          if (k === 1 && ww === 2) ((rs.resource as Json).attributes as unknown[]).push(keyValue(r3.bytes()));
          else r3.skip(ww);
        });
      } else if (m === 2 && w === 2) {
        const spans: Json[] = [];
        new Reader(rr.bytes()).each((k, ww, r3) => {
          if (k === 2 && ww === 2) spans.push(span(r3.bytes()));
          else r3.skip(ww);
        });
        (rs.scopeSpans as Json[]).push({ spans });
      } else rr.skip(w);
    });
    resourceSpans.push(rs);
  });
  return { resourceSpans };
}
