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

const SIZES = { tasks: scaled(2_000, 50), sse: scaled(500, 20), single: scaled(50, 10) };
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

    /**
     * Follows each run over SSE, then wakes them all by HTTP. Per client: message sent → its
     * run.succeeded received, and the run's end (the event's own timestamp, written when the run
     * completed) → received: the second is the feed's latency, the first adds the run's work.
     */
    const follow = async (ids: string[]) => {
      const sentAt = new Map<string, number>();
      const latencies: number[] = [];
      const fromEnd: number[] = [];
      let connected = 0;
      const streams = ids.map(async (id) => {
        const response = await fetch(`${server.url}/v1/runs/${id}/events`);
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        const decoder = new TextDecoder();
        let text = '';
        connected++;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
          const end = /event: run\.succeeded\ndata: (.*)\n/.exec(text);
          if (end) {
            latencies.push(nowMs() - (sentAt.get(id) ?? nowMs()));
            fromEnd.push(Date.now() - (JSON.parse(end[1] as string) as { at: number }).at);
            await reader.cancel();
            break;
          }
        }
      });
      while (connected < ids.length) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      const rssConnected = process.memoryUsage().rss;
      const fanout = await timed(async () => {
        await pool(ids.length, 32, async (i) => {
          sentAt.set(ids[i] as string, nowMs());
          await post(`/v1/runs/${ids[i]}/messages`, { topic: 'go', message: 'done' });
        });
        await Promise.all(streams);
      });
      return { latencies, fromEnd, rssConnected, ms: fanout.ms };
    };

    log(`1 SSE client × ${SIZES.single}`);
    const one = { latencies: [] as number[], fromEnd: [] as number[] };
    for (let i = 0; i < SIZES.single; i++) {
      await post('/v1/runs', { workflow: 'follow', id: `single-${i}` });
      await heed.idle();
      const r = await follow([`single-${i}`]);
      one.latencies.push(...r.latencies);
      one.fromEnd.push(...r.fromEnd);
    }

    log(`${SIZES.sse} SSE clients`);
    const runs = Array.from({ length: SIZES.sse }, (_, i) => `follow-${i}`);
    await pool(runs.length, 32, (i) => post('/v1/runs', { workflow: 'follow', id: runs[i] }));
    await heed.idle();
    const rssBefore = process.memoryUsage().rss;
    const many = await follow(runs);
    const { latencies, fromEnd, rssConnected } = many;
    const fanout = { ms: many.ms };
    const p50p99 = (values: number[]) => `${sig(percentile(values, 50))} / ${sig(percentile(values, 99))} ms`;

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
            ['1 client: message sent → run.succeeded received (p50 / p99)', p50p99(one.latencies)],
            ['1 client: run ended → run.succeeded received (p50 / p99)', p50p99(one.fromEnd)],
            [`${fmt(SIZES.sse)} clients: message sent → run.succeeded received (p50 / p99)`, p50p99(latencies)],
            [`${fmt(SIZES.sse)} clients: run ended → run.succeeded received (p50 / p99)`, p50p99(fromEnd)],
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
