import { MemorySaver } from '@langchain/langgraph';

/**
 * A thread's checkpoints and pending writes as plain JSON: the bytes LangGraph's serializer wrote,
 * in base64, so that what the graph restores is exactly what it saved (LangChain messages included).
 */
export interface SavedThread {
  /** `[namespace, checkpoint id, checkpoint, metadata, parent checkpoint id]`. */
  checkpoints: [string, string, string, string, string | null][];
  /** `[namespace, checkpoint id, write key, task id, channel, value, task path]`. */
  writes: [string, string, string, string, string, string, string | null][];
}

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
const base64 = (data: Uint8Array) => Buffer.from(data).toString('base64');

/**
 * The checkpointer the LangGraph adapter compiles graphs with: LangGraph's own in-memory saver,
 * which holds a thread only while one step of its Heed run executes. Before the step the thread
 * is loaded from the run's recorded snapshot ({@link load}); after it, what the graph wrote is
 * taken out ({@link take}) and becomes the step's recorded result, in Heed's store, committed with
 * the step. So the graph's state is exactly as durable as the run (SQLite or PostgreSQL, no other
 * file), and a step that runs again after a crash starts from the same checkpoint as the first try.
 * Threads are Heed run ids: one execution of a run at a time, so threads never interleave.
 */
export class HeedCheckpointer extends MemorySaver {
  /** Puts a saved thread back (replacing anything held under `threadId`). */
  load(threadId: string, saved: SavedThread | null): void {
    this.drop(threadId);
    if (!saved) return;
    const namespaces: Record<string, Record<string, [Uint8Array, Uint8Array, string | undefined]>> = {};
    for (const [ns, id, checkpoint, metadata, parent] of saved.checkpoints) {
      namespaces[ns] ??= {};
      (namespaces[ns] as Record<string, [Uint8Array, Uint8Array, string | undefined]>)[id] = [
        bytes(checkpoint),
        bytes(metadata),
        parent ?? undefined,
      ];
    }
    this.storage[threadId] = namespaces;
    for (const [ns, id, key, taskId, channel, value, path] of saved.writes) {
      const outer = JSON.stringify([threadId, ns, id]);
      this.writes[outer] ??= {};
      const entry: [string, string, Uint8Array, string?] = [taskId, channel, bytes(value)];
      if (path !== null) entry.push(path);
      (this.writes[outer] as Record<string, [string, string, Uint8Array, string?]>)[key] = entry;
    }
  }

  /** Takes the thread out: what the graph left, as plain JSON, and nothing of it kept in memory. */
  take(threadId: string): SavedThread {
    const saved: SavedThread = { checkpoints: [], writes: [] };
    for (const [ns, checkpoints] of Object.entries(this.storage[threadId] ?? {})) {
      for (const [id, [checkpoint, metadata, parent]] of Object.entries(checkpoints)) {
        saved.checkpoints.push([ns, id, base64(checkpoint), base64(metadata), parent ?? null]);
      }
    }
    for (const [outer, writes] of Object.entries(this.writes)) {
      const [thread, ns, id] = JSON.parse(outer) as [string, string, string];
      if (thread !== threadId) continue;
      for (const [key, [taskId, channel, value, path]] of Object.entries(writes)) {
        saved.writes.push([ns, id, key, taskId, channel, base64(value), path ?? null]);
      }
    }
    this.drop(threadId);
    return saved;
  }

  /** Forgets the thread. */
  drop(threadId: string): void {
    delete this.storage[threadId];
    for (const outer of Object.keys(this.writes)) {
      if ((JSON.parse(outer) as string[])[0] === threadId) delete this.writes[outer];
    }
  }
}
