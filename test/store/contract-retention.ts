/**
 * The storage contract, continued: retention (`RetentionStore`). What ended long enough ago goes
 * with every row that hangs off it, in batches; what is in use, young, or unfinished stays. Run
 * by `describeStoreContract` for every store.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/human/audit.ts';
import { canonicalHash } from '../../src/store/canonical.ts';
import type { PruneBatch, PruneRequest } from '../../src/store/retention-store.ts';
import type { Lease, Store } from '../../src/store/store.ts';
import { continueChain, createdEntry } from './contract-tasks.ts';

const DAY = 86_400_000;
const OLD = 10 * DAY;
const YOUNG = 40 * DAY;
/** Prune what ended before this. */
const CUTOFF = 30 * DAY;
const LEASE = 60_000;

interface RunShape {
  parentId?: string;
  ops?: number;
  progress?: number;
  statuses?: number;
  messages?: number;
  end?: 'succeeded' | 'failed' | 'cancelled' | 'waiting' | 'running';
}

export function describeRetentionContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  /** A run made at `at` with some history, feeds and messages, ended (or not) at `at`. */
  async function run(id: string, at: number, shape: RunShape = {}): Promise<Lease | undefined> {
    const workflow = `wf-${id}`; // one workflow per run: a claim takes exactly this one
    await store.createRun({ id, workflow, input: '1', parentId: shape.parentId ?? null }, at);
    for (let i = 0; i < (shape.messages ?? 0); i++) {
      await store.sendMessage({ runId: id, topic: 'inbox', body: `${i}`, idempotencyKey: `m${i}` }, at);
    }
    if (shape.end === 'cancelled') {
      await store.cancelRun(id, at);
      return undefined;
    }
    const claims = await store.claimRuns({
      owner: 'w',
      workflows: [workflow],
      limit: 1,
      now: at,
      leaseMs: LEASE,
      maxRecoveries: 5,
      active: [],
    });
    const lease = claims[0]?.lease;
    if (!lease) throw new Error(`run ${id} was not claimed`);
    let seq = 0;
    for (let i = 0; i < (shape.ops ?? 0); i++) {
      await store.recordOperation(lease, { seq: ++seq, kind: 'step', name: `s${i}`, output: '1', error: null }, at);
    }
    for (let i = 0; i < (shape.statuses ?? 0); i++) await store.publishStatus(lease, ++seq, 'phase', `${i}`, at);
    for (let i = 0; i < (shape.progress ?? 0); i++) await store.appendProgress(lease, `{"delta":${i}}`, at);
    const end = shape.end ?? 'succeeded';
    if (end === 'succeeded') await store.completeRun(lease, { output: '1' }, at);
    if (end === 'failed') await store.completeRun(lease, { error: '{"message":"x"}', failedSeq: null }, at);
    if (end === 'waiting') {
      await store.awaitWait(lease, { kind: 'recv', seq: ++seq, name: 'r', topic: 'never', timeoutMs: null }, at);
      await store.suspendRun(lease, at);
    }
    return lease;
  }

  /** Everything a run left in the store, by kind. */
  async function rowsOf(id: string) {
    return {
      run: (await store.getRun(id)) !== undefined,
      history: (await store.loadHistory(id)).length,
      statuses: (await store.statusHistory(id)).length,
      events: (await store.runEvents(0, 1000, id)).length,
      progress: (await store.runEvents(0, 1000, id)).filter((e) => e.type === 'progress').length,
      waits: (await store.listWaits(id)).length,
    };
  }

  const GONE = { run: false, history: 0, statuses: 0, events: 0, progress: 0, waits: 0 };

  /** Calls `prune` batch after batch until it says it is done; returns the batches. */
  async function sweep(
    prune: (request: PruneRequest) => Promise<PruneBatch>,
    before = CUTOFF,
    limit = 500,
    after: string | null = null,
  ): Promise<PruneBatch[]> {
    const batches: PruneBatch[] = [];
    for (let cursor = after; ; ) {
      const batch = await prune({ before, limit, after: cursor });
      batches.push(batch);
      cursor = batch.next;
      if (!batch.more) return batches;
      if (batches.length > 1000) throw new Error('pruning does not end');
    }
  }
  const total = (batches: PruneBatch[], field: 'items' | 'rows') => batches.reduce((n, b) => n + b[field], 0);

  describe('retention', () => {
    it('prunes finished runs older than the cutoff with every row; keeps younger and unfinished runs', async () => {
      await run('old-ok', OLD, { ops: 3, statuses: 2, progress: 2, messages: 2 });
      await run('old-failed', OLD, { ops: 1, end: 'failed' });
      await run('old-cancelled', OLD, { messages: 1, end: 'cancelled' });
      await run('young', YOUNG, { ops: 2, statuses: 1 });
      await run('old-waiting', OLD, { ops: 2, end: 'waiting' });
      await run('old-running', OLD, { ops: 1, end: 'running' });
      await store.createRun({ id: 'old-pending', workflow: 'wf-pending', input: null }, OLD);
      const before = await rowsOf('young');

      const batches = await sweep((r) => store.pruneRuns(r));
      expect(total(batches, 'items')).toBe(3);
      for (const id of ['old-ok', 'old-failed', 'old-cancelled']) expect(await rowsOf(id)).toEqual(GONE);
      // Its messages went too: a new run may take the id, and sees none of them.
      await store.createRun({ id: 'old-ok', workflow: 'wf-again', input: null }, YOUNG);
      expect(
        await store.sendMessage({ runId: 'old-ok', topic: 'inbox', body: '9', idempotencyKey: 'm0' }, YOUNG),
      ).toEqual({ duplicate: false, woke: false });
      expect(await rowsOf('young')).toEqual(before);
      expect(await store.getRun('old-waiting')).toMatchObject({ status: 'waiting' });
      expect(await store.listWaits('old-waiting')).toHaveLength(1);
      expect(await store.loadHistory('old-waiting')).toHaveLength(2);
      expect(await store.getRun('old-running')).toMatchObject({ status: 'running' });
      expect(await store.getRun('old-pending')).toMatchObject({ status: 'pending' });
      // Nothing left to do: one batch that finds nothing.
      expect(await sweep((r) => store.pruneRuns(r))).toEqual([{ items: 0, rows: 0, next: null, more: false }]);
    });

    it('prunes a run with its children, and never a tree that has a run still going or ended recently', async () => {
      await run('p1', OLD, { ops: 1 });
      await run('p1-c', OLD, { parentId: 'p1', ops: 2 });
      await run('p1-c-g', OLD, { parentId: 'p1-c', ops: 1 });
      // A parent that finished while its child still runs.
      await run('p2', OLD, { ops: 1 });
      await run('p2-c', OLD, { parentId: 'p2', end: 'waiting' });
      // A child finished long ago under a parent still going (a chat thread's turn).
      await run('p3', OLD, { end: 'waiting' });
      await run('p3-c', OLD, { parentId: 'p3', ops: 1 });
      // A child that finished after the cutoff.
      await run('p4', OLD, { ops: 1 });
      await run('p4-c', YOUNG, { parentId: 'p4', ops: 1 });

      const batches = await sweep((r) => store.pruneRuns(r));
      expect(total(batches, 'items')).toBe(3);
      for (const id of ['p1', 'p1-c', 'p1-c-g']) expect(await rowsOf(id)).toEqual(GONE);
      for (const id of ['p2', 'p2-c', 'p3', 'p3-c', 'p4', 'p4-c']) expect(await store.getRun(id)).toBeDefined();
      expect(await store.loadHistory('p3-c')).toHaveLength(1);
    });

    it('keeps runs a pending task names; prunes an ended task’s runs and the task stays readable and verifiable', async () => {
      const task = (id: string, askedBy: string) => ({
        id,
        type: 'approval',
        title: `Task ${id}`,
        spec: '{"title":"x"}',
        requester: 'app',
        idempotencyKey: null,
        runId: `task:${id}`,
        askedBy,
        deadline: null,
        assignees: ['alice'],
      });
      // An asking run that ended long ago, and a task it asked that is still pending.
      await run('asker-1', OLD);
      await store.createTask(
        task('t1', 'asker-1'),
        { id: 'task:t1', workflow: 'heed.task', input: null, suspended: true },
        [createdEntry('t1', OLD)],
        OLD,
      );
      // A task answered long ago: its asking run and its lifecycle run ended long ago too.
      await run('asker-2', OLD);
      await store.createTask(
        task('t2', 'asker-2'),
        { id: 'task:t2', workflow: 'heed.task', input: null, suspended: true },
        [createdEntry('t2', OLD)],
        OLD,
      );
      const created = await store.getTask('t2');
      if (!created) throw new Error('no task');
      const audit = continueChain(
        created,
        [
          {
            actor: 'alice',
            via: 'inbox',
            action: 'responded',
            outcome: 'approve',
            // The deciding entry vouches for the result (see verifyChain).
            detail: { resultHash: canonicalHash({ outcome: 'approve' }) },
          },
        ],
        OLD,
      );
      await store.applyTaskUpdate(
        't2',
        created.version,
        {
          status: 'resolved',
          result: '{"outcome":"approve"}',
          response: { principal: 'alice', outcome: 'approve', via: 'inbox', comment: null, data: null, args: null },
          audit,
          endRun: { runId: 'task:t2', output: '{"outcome":"approve"}' },
        },
        OLD,
      );
      expect(await store.getRun('task:t2')).toMatchObject({ status: 'succeeded' });

      await sweep((r) => store.pruneRuns(r));
      expect(await store.getRun('asker-1')).toBeDefined();
      expect(await store.getRun('task:t1')).toBeDefined();
      expect(await rowsOf('asker-2')).toEqual(GONE);
      expect(await rowsOf('task:t2')).toEqual(GONE);
      const kept = await store.getTask('t2');
      expect(kept).toMatchObject({
        status: 'resolved',
        askedBy: 'asker-2',
        result: '{"outcome":"approve"}',
        responses: [{ principal: 'alice', outcome: 'approve' }],
        auditCount: 2,
      });
      const entries = await store.taskAudit('t2');
      expect(entries.map((e) => e.action)).toEqual(['created', 'responded']);
      expect(verifyChain(kept as NonNullable<typeof kept>, entries)).toMatchObject({ ok: true });
    });

    it('works in batches of about `limit` rows, never splitting a run’s history', async () => {
      for (let i = 0; i < 12; i++) await run(`r${String(i).padStart(2, '0')}`, OLD + i, { ops: 3 });
      // One run whose feed alone is bigger than a batch.
      await run('big', OLD + 100, { ops: 4, progress: 23 });
      const seen: { big: boolean; history: number }[] = [];
      const batches = await sweep(
        async (request) => {
          const batch = await store.pruneRuns(request);
          const big = await store.getRun('big');
          seen.push({ big: big !== undefined, history: (await store.loadHistory('big')).length });
          return batch;
        },
        CUTOFF,
        5,
      );
      expect(batches.length).toBeGreaterThan(5);
      // A batch stops once it deleted `limit` rows; it may finish the run tree it is on (here 5 rows).
      for (const batch of batches) expect(batch.rows).toBeLessThan(5 + 5);
      expect(total(batches, 'items')).toBe(13);
      // While its feed went batch by batch, the big run kept its whole history; then it went at once.
      expect(seen.filter((s) => s.big).every((s) => s.history === 4)).toBe(true);
      expect(seen.some((s) => s.big)).toBe(true);
      expect(await rowsOf('big')).toEqual(GONE);
      expect((await store.listRuns({})).items).toEqual([]);
    });

    it('prunes progress on its own clock: finished trees lose their streamed rows, keep the rest', async () => {
      await run('done', OLD, { ops: 2, statuses: 1, progress: 7 });
      await run('done-c', OLD, { parentId: 'done', progress: 3 });
      await run('young', YOUNG, { progress: 2 });
      await run('going', OLD, { progress: 4, end: 'waiting' });
      await run('thread', OLD, { end: 'waiting' });
      await run('turn', OLD, { parentId: 'thread', progress: 5 });

      const batches = await sweep((r) => store.pruneProgress(r), CUTOFF, 4);
      expect(batches.length).toBeGreaterThan(1);
      expect(total(batches, 'items')).toBe(10);
      const done = await rowsOf('done');
      expect(done).toMatchObject({ run: true, history: 3, statuses: 1, progress: 0 });
      // Its status and its end stay on the feed.
      expect((await store.runEvents(0, 100, 'done')).map((e) => e.type)).toEqual(['status', 'run.succeeded']);
      expect((await rowsOf('done-c')).progress).toBe(0);
      expect((await rowsOf('young')).progress).toBe(2);
      expect((await rowsOf('going')).progress).toBe(4);
      expect((await rowsOf('turn')).progress).toBe(5);
      // The cursor keeps its place: a later pass starts after what was done.
      const next = batches.at(-1)?.next ?? null;
      expect(next).not.toBeNull();
      await run('later', OLD + 1000, { progress: 2 });
      const again = await sweep((r) => store.pruneProgress(r), CUTOFF, 500, next);
      expect(total(again, 'items')).toBe(2);
    });

    it('prunes deliveries of ended tasks and their outbox copies; keeps those of pending tasks and young ones', async () => {
      const task = (id: string) =>
        store.createTask(
          {
            id,
            type: 'approval',
            title: id,
            spec: '{}',
            requester: null,
            idempotencyKey: null,
            runId: `task:${id}`,
            askedBy: null,
            deadline: null,
            assignees: ['alice'],
          },
          { id: `task:${id}`, workflow: 'heed.task', input: null },
          [createdEntry(id, OLD)],
          OLD,
        );
      await task('ended');
      await task('pending');
      await store.applyTaskUpdate('ended', 1, { status: 'expired', result: '{"outcome":"reject"}' }, OLD);
      const delivery = (key: string, taskId: string, at: number) =>
        store.putDelivery(
          {
            key,
            taskId,
            channel: 'email',
            recipient: 'alice',
            event: 'created:0',
            status: 'sent',
            attempts: 1,
            error: null,
            ref: null,
          },
          at,
        );
      for (let i = 0; i < 7; i++) await delivery(`ended:${i}`, 'ended', OLD + i);
      await store.putOutbox(
        { id: 'ended:0', taskId: 'ended', channel: 'email', recipient: 'alice', address: 'a@x', message: '{}' },
        OLD,
      );
      await delivery('pending:0', 'pending', OLD);
      await delivery('ended:young', 'ended', YOUNG);

      const batches = await sweep((r) => store.pruneDeliveries(r), CUTOFF, 3);
      expect(batches.length).toBeGreaterThan(1);
      expect(total(batches, 'items')).toBe(7);
      expect((await store.taskDeliveries('ended')).map((d) => d.key)).toEqual(['ended:young']);
      expect(await store.getOutbox('ended:0')).toBeUndefined();
      expect(await store.hasDelivery('pending:0')).toBe(true);
    });

    it('prunes ended tasks with their audit chain only when asked; keeps pending, young and unsettled ones', async () => {
      const task = async (id: string, at: number) => {
        await store.createTask(
          {
            id,
            type: 'approval',
            title: id,
            spec: '{}',
            requester: null,
            idempotencyKey: null,
            runId: `task:${id}`,
            askedBy: null,
            deadline: null,
            assignees: ['alice'],
          },
          // Suspended: the task's end ends it (`endRun`), as a lifecycle with nothing to time.
          { id: `task:${id}`, workflow: 'heed.task', input: null, suspended: true },
          [createdEntry(id, at)],
          at,
        );
      };
      const end = async (id: string, at: number) => {
        const record = await store.getTask(id);
        if (!record) throw new Error('no task');
        await store.applyTaskUpdate(
          id,
          record.version,
          {
            status: 'resolved',
            result: '{"outcome":"approve"}',
            response: { principal: 'alice', outcome: 'approve', via: 'inbox', comment: null, data: null, args: null },
            audit: continueChain(
              record,
              [{ actor: 'alice', via: 'inbox', action: 'responded', outcome: 'approve' }],
              at,
            ),
            endRun: { runId: `task:${id}`, output: '{"outcome":"approve"}' },
            delivery: { key: `${id}:created:0:inbox`, channel: 'inbox' },
          },
          at,
        );
      };
      for (const id of ['a', 'b', 'c']) {
        await task(id, OLD);
        await end(id, OLD);
        await store.useLink(`nonce-${id}`, id, OLD);
      }
      await task('pending', OLD);
      await task('young', OLD);
      await end('young', YOUNG);
      // Cancelled by its run's cancellation, its result not yet written (see unsettledCancelledTasks).
      await task('unsettled', OLD);
      await store.cancelRun('task:unsettled', OLD);

      const batches = await sweep((r) => store.pruneTasks(r), CUTOFF, 4);
      expect(total(batches, 'items')).toBe(3);
      for (const id of ['a', 'b', 'c']) {
        expect(await store.getTask(id)).toBeUndefined();
        expect(await store.taskAudit(id)).toEqual([]);
        expect(await store.taskDeliveries(id)).toEqual([]);
        expect(await store.linkUsed(`nonce-${id}`)).toBe(false);
      }
      for (const id of ['pending', 'young', 'unsettled']) expect(await store.getTask(id)).toBeDefined();
      expect(await store.taskAudit('young')).toHaveLength(2);
    });

    it('hands a claim the run’s own history only: no statuses, progress or other rows', async () => {
      await run('r', OLD, { ops: 2, statuses: 2, progress: 3, messages: 2, end: 'running' });
      await run('other', OLD, { ops: 3 });
      // Its worker died: the next claim recovers it and replays from what it is handed.
      const [claim] = await store.claimRuns({
        owner: 'w2',
        workflows: ['wf-r'],
        limit: 1,
        now: OLD + LEASE + 1,
        leaseMs: LEASE,
        maxRecoveries: 5,
        active: [],
      });
      // The two steps and the two status records: its operations, nothing else.
      expect(claim?.history.map((op) => `${op.kind}:${op.seq}`)).toEqual(['step:1', 'step:2', 'status:3', 'status:4']);
      expect(claim?.history).toEqual(await store.loadHistory('r'));
    });
  });
}
