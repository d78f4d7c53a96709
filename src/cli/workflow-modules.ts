import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Heed } from '../human/heed.ts';

/**
 * Loads the user's workflow modules (`--import ./workflows.js`, repeatable). Each module exports
 * a function, `default` or `register`, that registers workflows on the Heed instance it is given:
 *
 * ```js
 * export default function register(heed) {
 *   heed.workflow('greet', async (ctx, name) => ctx.step('hello', () => `hello ${name}`));
 * }
 * ```
 * @throws Error when a module cannot be loaded or exports no such function.
 */
export async function importWorkflowModules(heed: Heed, specifiers: readonly string[]): Promise<void> {
  for (const specifier of specifiers) {
    const url = /^[./]/.test(specifier) ? pathToFileURL(resolve(specifier)).href : specifier;
    const module = (await import(url)) as { default?: unknown; register?: unknown };
    const register = typeof module.register === 'function' ? module.register : module.default;
    if (typeof register !== 'function') {
      throw new Error(
        `--import ${specifier}: the module must export a function (default or "register") taking the Heed instance`,
      );
    }
    await (register as (heed: Heed) => unknown)(heed);
  }
}
