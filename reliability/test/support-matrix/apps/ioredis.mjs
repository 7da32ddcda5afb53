// A subscriber created lazily inside run r0; three runs publish after r0 ended. Each message's
// listener must run outside every run (its `work` span a root), not in r0.
import * as ioredis from 'ioredis';
import { counter, ID, inRun, REDIS, RUNS, work } from './harness.mjs';

// ioredis 5.0 exports the class as the module (and `default`); later releases also as `Redis`.
const Redis = ioredis.Redis ?? ioredis.default;
const channel = `support-matrix-${ID}`;
const heard = counter(RUNS.length);
let subscriber;
await inRun('r0', async () => {
  subscriber = new Redis(REDIS.href);
  subscriber.on('message', (_channel, message) => {
    work(message);
    heard.tick();
  });
  await subscriber.subscribe(channel);
});
const publisher = new Redis(REDIS.href);
for (const run of RUNS) await inRun(run, () => publisher.publish(channel, run));
await heard.all;
subscriber.disconnect();
publisher.disconnect();
