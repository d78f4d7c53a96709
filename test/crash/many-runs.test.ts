/**
 * Fifty runs of three steps in flight when their worker is SIGKILLed at an arbitrary point: a new
 * worker finishes all of them; only steps not recorded at the kill run again, and only once more.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { effectsOf, readEffects } from './effects.ts';
import { Sandbox } from './helpers.ts';

const RUNS = 50;
const STEPS = ['a', 'b', 'c'] as const;

let box: Sandbox;

beforeEach(() => {
  box = new Sandbox();
});

afterEach(async () => {
  await box.dispose();
});

it('finishes 50 runs killed mid-way, re-running only unrecorded steps, at most once more', async () => {
  const ids = Array.from({ length: RUNS }, (_, i) => `m${i}`);
  // Kill after somewhere between a fifth and three fifths of the 150 step bodies finished.
  const killAfter = 30 + Math.floor(Math.random() * 60);
  const context = `(killed after ${killAfter} STEP-END lines)`;

  const first = await box.spawnWorker();
  for (const [i, id] of ids.entries())
    first.send(`start pipeline ${id} ${JSON.stringify({ x: i, delayMs: 5 + (i % 7) * 3 })}`);
  await first.waitForLines('STARTED ', RUNS);
  await first.waitForLines('STEP-END ', killAfter);
  await first.kill();

  // What the store holds at the moment of the kill.
  const recordedAtKill = new Map<string, string[]>();
  for (const id of ids) recordedAtKill.set(id, (await box.client.runs.get(id))?.history.map((h) => h.name) ?? []);
  const stepsRecorded = [...recordedAtKill.values()].reduce((n, steps) => n + steps.length, 0);
  expect(stepsRecorded, context).toBeGreaterThan(0);
  expect(stepsRecorded, context).toBeLessThan(RUNS * STEPS.length);

  const second = await box.spawnWorker();
  const outputs = await Promise.all(ids.map((id) => box.result<string>(id)));
  expect(outputs).toEqual(ids.map((_, i) => `start>a${i}>b${i}>c${i}`));

  const effects = readEffects(box.dir);
  for (const id of ids) {
    const recorded = recordedAtKill.get(id) ?? [];
    for (const step of STEPS) {
      const where = `${id}/${step} ${context}`;
      const done = effectsOf(effects, id, step, 'effect');
      const begun = effectsOf(effects, id, step, 'begin');
      expect(done.length, where).toBeGreaterThanOrEqual(1);
      expect(done.length, where).toBeLessThanOrEqual(2);
      expect(begun.length, where).toBeLessThanOrEqual(2);
      if (recorded.includes(step)) {
        // Recorded before the kill: never run again.
        expect(
          begun.map((e) => e.pid),
          where,
        ).toEqual([first.pid]);
        expect(
          done.map((e) => e.pid),
          where,
        ).toEqual([first.pid]);
      } else {
        // Not recorded: ran (again) exactly once in the new worker, with the same idempotency key.
        expect(
          begun.filter((e) => e.pid === second.pid),
          where,
        ).toHaveLength(1);
        expect(
          done.filter((e) => e.pid === second.pid),
          where,
        ).toHaveLength(1);
        expect(new Set(begun.map((e) => e.key)), where).toEqual(new Set([`${id}:${STEPS.indexOf(step) + 1}`]));
      }
    }
    expect((await box.run(id)).history.map((h) => h.name)).toEqual([...STEPS]);
  }
}, 60_000);
