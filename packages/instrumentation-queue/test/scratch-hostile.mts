import { hostileValues } from '@agentrace/testing';
import { adapter } from './adapters/bullmq.ts';
const lib = adapter.load();
const session = await adapter.open(lib);
for (const position of session.hostile) {
  for (const h of hostileValues()) {
    if (position.skip?.[h.name]) continue;
    const t = Date.now();
    try { await position.send(h.make()); } catch (e) {}
    const ms = Date.now() - t;
    if (ms > 200) console.log(position.position, h.name, ms);
  }
}
await session.close();
process.exit(0);
