/** The bench's workflows, loaded by `heed worker --import` in the worker processes of `bench/postgres.ts`. */
import type { Heed } from '../src/human/heed.ts';

export default function register(heed: Heed): void {
  heed.workflow('three', async (ctx, input: number) => {
    const a = await ctx.step('a', () => input + 1);
    const b = await ctx.step('b', () => a * 2);
    return ctx.step('c', () => b - 1);
  });
  heed.workflow('waiter', async (ctx) => ctx.recv<number>('go'));
}
