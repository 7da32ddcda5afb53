// The full exporter-outage soak: Jaeger down for 10 minutes (or the seconds given) while the agent
// produces 1,000 spans/s. Prints the figures as Markdown.
//   pnpm exec tsx --tsconfig tsconfig.test.json reliability/outage-soak.ts [outageSeconds=600] [spansPerSecond=1000]
import { formatOutage, runOutage } from './src/outage.js';

const outageSeconds = Number(process.argv[2] ?? 600);
const spansPerSecond = Number(process.argv[3] ?? 1000);
const figures = await runOutage({ outageSeconds, spansPerSecond, basePort: 25_318, log: (l) => process.stderr.write(`${l}\n`) });
process.stdout.write(`${formatOutage(figures)}\n`);
const lost = figures.storedAfterRestart !== figures.exportedAfterRestart;
process.exit(figures.agentExitCode === 0 && !lost ? 0 : 1);
