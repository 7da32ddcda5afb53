// A streamed model answer of 2,000 chunks (OpenAI Chat Completions SSE, usage in the last chunk),
// read with the official `openai` SDK from a local server in a child process, in one process run:
//   - none: no instrumentation (the SDK's own cost per chunk);
//   - raw OTel: one span made by hand around the call (the floor any tracing pays, per call);
//   - official undici: @opentelemetry/instrumentation-undici (an HTTP span, no model attributes);
//   - agentrace: @agentrace/instrumentation-http, the inference span with the answer parsed as it flows;
//   - agentrace + content: the same with content capture on (text kept up to the caps).
// CPU per chunk: the client process's user+system CPU over a round of streams, divided by the chunks
// read (median of rounds, configurations rotated per round). Memory: the heap held per stream in
// flight, measured after a GC with 40 streams paused halfway (1,000 chunks read), minus the same with
// no stream open. Run from the repository root:
//   pnpm exec tsx --tsconfig tsconfig.test.json bench/genai.ts
// Results: bench/results/genai.md.
import { instrumentHttp, type HttpInstrumentationHandle } from '@agentrace/instrumentation-http';
import { installGlobals } from '@agentrace/tracer';
import { trace } from '@opentelemetry/api';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import OpenAI from 'openai';
import { NoopExporter } from './noop-exporter.js';
import { median, rotated } from './stats.js';

const CHUNKS = 2000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const STREAMS_PER_ROUND = Number(process.env.BENCH_STREAMS ?? 6);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 40);
const PIECE = 'token ';

// ------------------------------------------------------------------------------------ the model server

function serve(): void {
  // Streams of a `…-pause-N` model stop halfway until the client releases N; the client is told as each stops.
  const held = new Map<string, (() => void)[]>();
  const released = new Set<string>();
  // Keep-alive longer than any pause, so the client never reuses a socket the server is closing.
  const server = http.createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString()) as { model: string };
      const pause = body.model.includes('-pause-') && !released.has(body.model);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: body.model };
      const line = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      let i = 0;
      let paused = false;
      const write = (): void => {
        // About 8 chunks per write: a model's tokens arrive a few to a TCP segment.
        while (i < CHUNKS) {
          const batch: string[] = [];
          for (let k = 0; k < 8 && i < CHUNKS; k++, i++) batch.push(i === 0 ? line({ role: 'assistant', content: '' }) : line({ content: PIECE }));
          const ok = res.write(batch.join(''));
          if (pause && !paused && i >= CHUNKS / 2) {
            paused = true;
            const list = held.get(body.model) ?? [];
            list.push(write);
            held.set(body.model, list);
            process.send!({ held: body.model, count: list.length });
            return;
          }
          if (!ok) {
            res.once('drain', write);
            return;
          }
        }
        res.write(line({}, 'stop'));
        res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 20, completion_tokens: CHUNKS, total_tokens: CHUNKS + 20 } })}\n\n`);
        res.end('data: [DONE]\n\n');
      };
      write();
    });
  });
  process.on('message', (m: { release?: string }) => {
    if (m.release === undefined) return;
    released.add(m.release);
    for (const w of held.get(m.release) ?? []) w();
    held.delete(m.release);
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as { port: number }).port));
}

// ------------------------------------------------------------------------------------------ the client

type Config = 'none' | 'raw OTel' | 'official undici' | 'agentrace' | 'agentrace + content';
const CONFIGS: Config[] = ['none', 'raw OTel', 'official undici', 'agentrace', 'agentrace + content'];

// A GC on demand, without a command-line flag (the benchmarks run through tsx).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['server'], { execArgv: process.execArgv, stdio: 'inherit' });
  const [port] = (await once(child, 'message')) as [number];
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new NoopExporter(), { maxQueueSize: 100_000 })] });
  installGlobals(provider);
  const tracer = trace.getTracer('bench');
  const official = new UndiciInstrumentation();
  official.setTracerProvider(provider);
  official.disable();
  const client = new OpenAI({ apiKey: 'bench', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
  const messages = [{ role: 'user' as const, content: 'Say token two thousand times.' }];

  let handle: HttpInstrumentationHandle | undefined;
  const setup = (config: Config): void => {
    handle?.disable();
    handle = undefined;
    official.disable();
    if (config === 'official undici') official.enable();
    if (config === 'agentrace') handle = instrumentHttp({ server: false });
    if (config === 'agentrace + content') handle = instrumentHttp({ server: false, genAi: { captureContent: true } });
  };

  const stream = async (config: Config, model = 'bench-model'): Promise<number> => {
    const call = async (): Promise<number> => {
      let n = 0;
      for await (const chunk of await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } })) {
        if (chunk.choices[0]?.delta.content !== undefined) n++;
      }
      return n;
    };
    if (config !== 'raw OTel') return call();
    return tracer.startActiveSpan('chat bench-model', async (span) => {
      try {
        return await call();
      } finally {
        span.end();
      }
    });
  };

  // Warm-up: every configuration once.
  for (const config of CONFIGS) {
    setup(config);
    await stream(config);
  }

  const cpu: Record<Config, number[]> = Object.fromEntries(CONFIGS.map((c) => [c, []])) as never;
  for (let r = 0; r < ROUNDS; r++) {
    for (const config of rotated(CONFIGS, r)) {
      setup(config);
      await stream(config);
      const before = process.cpuUsage();
      let chunks = 0;
      for (let s = 0; s < STREAMS_PER_ROUND; s++) chunks += await stream(config);
      const used = process.cpuUsage(before);
      cpu[config].push(((used.user + used.system) * 1000) / chunks); // ns per chunk
    }
  }

  // Memory held per stream in flight, halfway through.
  const memory: Record<Config, number> = {} as never;
  for (const [index, config] of CONFIGS.entries()) {
    setup(config);
    const model = `bench-model-pause-${index}`;
    gc();
    const base = v8.getHeapStatistics().used_heap_size;
    const allHeld = new Promise<void>((resolve) => {
      const onMessage = (m: { held?: string; count?: number }): void => {
        if (m.held === model && m.count === IN_FLIGHT) {
          child.off('message', onMessage);
          resolve();
        }
      };
      child.on('message', onMessage);
    });
    const open = Array.from({ length: IN_FLIGHT }, () => stream(config, model));
    await allHeld;
    // Let the client take in what was written before the pause.
    await new Promise((resolve) => setTimeout(resolve, 300));
    gc();
    memory[config] = (v8.getHeapStatistics().used_heap_size - base) / IN_FLIGHT;
    child.send({ release: model });
    await Promise.all(open);
  }
  setup('none');
  child.kill();
  await provider.shutdown();

  const none = median(cpu.none);
  const rows = CONFIGS.map((c) => {
    const ns = median(cpu[c]);
    const spread = `${Math.round(Math.min(...cpu[c]))}–${Math.round(Math.max(...cpu[c]))}`;
    return `| ${c} | ${(ns / 1000).toFixed(2)} µs | ${c === 'none' ? '' : `${ns >= none ? '+' : '−'}${(Math.abs(ns - none) / 1000).toFixed(2)} µs`} | ${spread} ns | ${(memory[c] / 1024).toFixed(1)} KiB |`;
  });
  const text = `## GenAI: a streamed answer of ${CHUNKS} chunks (\`bench/genai.ts\`)

The official \`openai\` SDK streams a chat completion of ${CHUNKS} chunks (Server-Sent Events, usage in the
last chunk) from a local server in a child process. CPU is the client process's user+system time per
chunk read, median of ${ROUNDS} rounds of ${STREAMS_PER_ROUND} streams (configurations rotated per round; the range
is over rounds). Memory is the heap held per stream in flight, ${IN_FLIGHT} streams paused halfway
(${CHUNKS / 2} chunks read), after a GC, minus the heap with none open.

| configuration | CPU per chunk | over none | range | heap per stream in flight |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

- *none* is the SDK's own cost: fetch, its SSE decoder and a \`JSON.parse\` per chunk.
- *raw OTel* is one span made by hand around each call (no HTTP span): its cost is per call, not per
  chunk, so it is near zero here.
- *official undici* makes an HTTP span (\`POST\`) and reads no body.
- *agentrace* makes the inference span and parses the answer as it flows: it decodes each chunk
  (\`TextDecoder\`), splits the events and \`JSON.parse\`s each one a second time (the SDK's parse is
  not reachable without changing the program). Its memory per stream is the event in progress, the
  counts and ids, whatever the number of chunks.
- *agentrace + content* also keeps the answer's text up to the content caps (4,096 characters by default).

Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. A single
run on a shared machine moves by tens of percent; compare rows of the same run.
`;
  const out = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}genai.md`, text);
  console.log(text);
}

if (process.argv[2] === 'server') serve();
else await main();
