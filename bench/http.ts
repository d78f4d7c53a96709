/**
 * HTTP benchmark: task create + respond over real HTTP (loopback, keep-alive), and 500
 * concurrent SSE clients each following a run that is then woken. Prints markdown tables.
 * `BENCH_SCALE` shrinks the sizes. Measures only; asserts nothing.
 */
import { join } from 'node:path';
import { Heed } from '../src/index.ts';
import { startServer } from '../src/server/serve.ts';
import { SqliteStore } from '../src/sqlite.ts';
import { fmt, nowMs, percentile, pool, SCALE, scaled, sig, table, tempDir, timed } from './util.ts';

const SIZES = { tasks: scaled(2_000, 50), sse: scaled(500, 20) };
const log = (message: string) => process.stderr.write(`[bench:http] ${message}\n`);

async function main(): Promise<void> {
  const dir = tempDir('http');
  const heed = new Heed({ store: new SqliteStore(join(dir.path, 'http.db')) });
  heed.workflow('follow', async (ctx) => {
    await ctx.setStatus('phase', 'waiting');
    const message = await ctx.recv<string>('go');
    await ctx.setStatus('phase', message);
    return message;
  });
  const server = await startServer(heed, { port: 0 });
  const post = async (path: string, body: unknown, principal?: string) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(principal ? { 'x-heed-principal': principal } : {}) },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as { id?: string };
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  try {
    log(`${SIZES.tasks} tasks: create + respond over HTTP`);
    const ids: string[] = [];
    const create = await timed(() =>
      pool(SIZES.tasks, 32, async () => {
        const task = await post('/v1/tasks', {
          type: 'approval',
          title: 'Transfer $150 to Alice?',
          assignees: ['user:bob'],
        });
        ids.push(task.id as string);
      }),
    );
    const respond = await timed(() =>
      pool(ids.length, 32, (i) => post(`/v1/tasks/${ids[i]}/responses`, { outcome: 'approve' }, 'user:bob')),
    );

    log(`${SIZES.sse} SSE clients`);
    const runs = Array.from({ length: SIZES.sse }, (_, i) => `follow-${i}`);
    await pool(runs.length, 32, (i) => post('/v1/runs', { workflow: 'follow', id: runs[i] }));
    await heed.idle();
    const rssBefore = process.memoryUsage().rss;
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let connected = 0;
    const streams = runs.map(async (id) => {
      const response = await fetch(`${server.url}/v1/runs/${id}/events`);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      connected++;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        if (text.includes('event: run.succeeded')) {
          latencies.push(nowMs() - (sentAt.get(id) ?? nowMs()));
          await reader.cancel();
          break;
        }
      }
    });
    while (connected < runs.length) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    const rssConnected = process.memoryUsage().rss;
    const fanout = await timed(async () => {
      await pool(runs.length, 32, async (i) => {
        sentAt.set(runs[i] as string, nowMs());
        await post(`/v1/runs/${runs[i]}/messages`, { topic: 'go', message: 'done' });
      });
      await Promise.all(streams);
    });

    const perS = (n: number, ms: number) => `${fmt(n / (ms / 1000))}/s`;
    process.stdout.write(
      [
        '# Heed HTTP benchmark',
        '',
        `Node ${process.version}; BENCH_SCALE=${SCALE}; loopback, keep-alive, concurrency 32.`,
        '',
        table(
          ['Metric', 'Heed'],
          [
            [`POST /v1/tasks × ${fmt(SIZES.tasks)}`, perS(SIZES.tasks, create.ms)],
            [`POST /v1/tasks/{id}/responses × ${fmt(ids.length)}`, perS(ids.length, respond.ms)],
            ['Task create + respond over HTTP, per task', `${sig((create.ms + respond.ms) / SIZES.tasks)} ms`],
            [
              `${fmt(SIZES.sse)} concurrent SSE clients: RSS while connected`,
              `+${fmt((rssConnected - rssBefore) / 1024 / 1024, 1)} MiB`,
            ],
            [`Wake all ${fmt(SIZES.sse)} runs by HTTP, until every client saw its run end`, `${sig(fanout.ms)} ms`],
            [
              'Per client: message sent → run.succeeded received (p50 / p99)',
              `${sig(percentile(latencies, 50))} / ${sig(percentile(latencies, 99))} ms`,
            ],
          ],
        ),
        '',
      ].join('\n'),
    );
  } finally {
    await server.close();
    dir.remove();
  }
}

await main();
