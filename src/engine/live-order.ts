/**
 * Hands the answers of an execution's store writes (a step's record, a wait resolved, a child
 * started…) back to the workflow code in the order the writes were made, one per event-loop
 * turn, as `ReplayOrder` hands recorded results back on a replay.
 *
 * Why: a replay follows `ord`, the order in which the store numbered the records, and the store
 * numbers a run's writes in the order they are made (the store contract). The first execution
 * must therefore see its results in that same order, and react to each before seeing the next.
 * Left to themselves, answers that arrive together (one group commit on SQLite, one batch on
 * PostgreSQL) reach the code in the order of the promise chains they travel through, which
 * differ by kind of operation: a `recv` answered with a step's record could be seen after it
 * although recorded before it, and its replay would hand each result to the other's code.
 *
 * A write's answer (result or failure) is held until every earlier write of the execution has
 * been answered and delivered; at most one is delivered per turn.
 */
export class LiveOrder {
  readonly #ready = new Map<number, () => void>();
  #made = 0;
  #delivered = 0;
  #turnTaken = false;

  /**
   * Makes `write` now (at once: its place is taken synchronously) and settles as it does, in its
   * turn. A write that never settles holds back every later one (the execution stalls, as it
   * would waiting on that write anyway).
   */
  async write<T>(write: () => Promise<T>): Promise<T> {
    const place = this.#made++;
    let answer: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      answer = { ok: true, value: await write() };
    } catch (error) {
      answer = { ok: false, error };
    }
    await new Promise<void>((resolve) => {
      this.#ready.set(place, resolve);
      this.#pump();
    });
    if (answer.ok) return answer.value;
    throw answer.error;
  }

  #pump(): void {
    if (this.#turnTaken) return; // the turn's end pumps again
    const resolve = this.#ready.get(this.#delivered);
    if (!resolve) return;
    this.#ready.delete(this.#delivered);
    this.#delivered++;
    this.#turnTaken = true;
    resolve();
    setImmediate(() => {
      this.#turnTaken = false;
      this.#pump();
    });
  }
}
