import { fetchJaegerTraces } from '@agentrace/core/jaeger';
import { parseArgs } from 'node:util';
import { formatLostUpdates } from './format-lost-updates.js';
import { annotateLostUpdates } from './annotate.js';
import { analyseLostUpdates } from './lost-updates.js';

const USAGE = `Usage: agentrace-lost-updates <trace-id>...
       agentrace-lost-updates --service <name> [--limit N] [--lookback 1h]

Fetches traces from Jaeger's query API and reports every lost update their
state.read / state.write events prove.

Options:
  --service <name>   analyse the latest traces of this service (together)
  --limit <N>        how many of the service's latest traces (default 20)
  --lookback <span>  how far back to look, Jaeger syntax (default 1h)
  --url <url>        Jaeger query URL (default $AGENTRACE_JAEGER_QUERY_URL or http://127.0.0.1:16686)
  --json             print the findings as JSON instead of text
  --annotate         write each finding into the traces it names (a span under
                     each of the two writes), exported over OTLP to
                     $OTEL_EXPORTER_OTLP_ENDPOINT; needs @agentrace/tracer
  -h, --help         this text

Exit code: 0 no lost update, 1 lost updates found, 2 bad usage or Jaeger unreachable.
`;

/** Where the CLI writes; the real process streams, or buffers in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}

/** Runs the `agentrace-lost-updates` command; resolves to its exit code. */
export async function runLostUpdatesCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        service: { type: 'string' },
        limit: { type: 'string' },
        lookback: { type: 'string' },
        url: { type: 'string' },
        json: { type: 'boolean' },
        annotate: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals.length === 0 && values.service === undefined) {
    io.stderr(`Give a trace id or --service.\n\n${USAGE}`);
    return 2;
  }
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    io.stderr(`--limit must be a positive integer; got ${values.limit}\n`);
    return 2;
  }

  let traces;
  try {
    traces = await fetchJaegerTraces({
      baseUrl: values.url ?? io.env['AGENTRACE_JAEGER_QUERY_URL'],
      traceIds: positionals,
      service: values.service,
      limit,
      lookback: values.lookback,
    });
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }

  const analysis = analyseLostUpdates(traces);
  if (values.json === true) {
    io.stdout(`${JSON.stringify({ traces: traces.length, ...analysis }, null, 2)}\n`);
  } else {
    io.stdout(
      `Analysed ${traces.length} trace${traces.length === 1 ? '' : 's'}: ${analysis.spans} spans, ${analysis.writes} tracked writes` +
        (analysis.blindWrites > 0 ? ` (${analysis.blindWrites} without a base version, skipped)` : '') +
        '.\n\n' +
        formatLostUpdates(analysis.lostUpdates),
    );
    if (traces.length === 0) io.stderr('No traces found: check the trace id / service name, and that the spans were exported.\n');
  }
  if (values.annotate === true && analysis.lostUpdates.length > 0) {
    const annotated = await annotate(analysis.lostUpdates, io);
    if (annotated === undefined) return 2;
    io.stdout(`\nAnnotated the traces: ${annotated} spans exported (service "agentrace-lost-updates").\n`);
  }
  return analysis.lostUpdates.length > 0 ? 1 : 0;
}

/** Exports the annotation spans through @agentrace/tracer, loaded only when asked for (it is not a dependency). */
async function annotate(lostUpdates: Parameters<typeof annotateLostUpdates>[0], io: CliIo): Promise<number | undefined> {
  const tracerPackage = '@agentrace/tracer';
  let tracer: { init(options: object): { shutdown(): Promise<void> } };
  try {
    tracer = (await import(tracerPackage)) as typeof tracer;
  } catch {
    io.stderr('--annotate exports spans, which needs @agentrace/tracer: npm install @agentrace/tracer\n');
    return undefined;
  }
  const tracing = tracer.init({ serviceName: 'agentrace-lost-updates', exporter: 'otlp' });
  const count = annotateLostUpdates(lostUpdates);
  await tracing.shutdown();
  return count;
}
