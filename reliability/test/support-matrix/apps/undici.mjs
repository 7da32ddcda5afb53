// Three runs send a request each through one undici Pool with a single connection (so two of them
// wait for the connection another run's request frees) to a local node:http server.
// MATRIX_CONNECTIONS lifts the limit.
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { inRun, RUNS, work } from './harness.mjs';

const server = createServer((req, res) => {
  work(new URL(req.url, 'http://x').searchParams.get('run'));
  res.end('ok');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const pool = new Pool(`http://127.0.0.1:${server.address().port}`, { connections: Number(process.env.MATRIX_CONNECTIONS ?? 1) });
await Promise.all(
  RUNS.map((run) =>
    inRun(run, async () => {
      const { body } = await pool.request({ path: `/?run=${run}`, method: 'GET' });
      await body.text();
    }),
  ),
);
await pool.close();
server.close();
