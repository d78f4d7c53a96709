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
 * Returns the names of the workflows each module registered (for the start banner).
 * @throws Error when a module cannot be loaded or exports no such function.
 */
export async function importWorkflowModules(
  heed: Heed,
  specifiers: readonly string[],
): Promise<{ module: string; workflows: string[] }[]> {
  const loaded: { module: string; workflows: string[] }[] = [];
  for (const specifier of specifiers) {
    const url = /^[./]/.test(specifier) ? pathToFileURL(resolve(specifier)).href : specifier;
    const module = (await import(url)) as { default?: unknown; register?: unknown };
    const register = typeof module.register === 'function' ? module.register : module.default;
    if (typeof register !== 'function') {
      throw new Error(
        `--import ${specifier}: the module must export a function (default or "register") taking the Heed instance`,
      );
    }
    // Notes the names the module registers, while it registers them (the engine keeps no list).
    const workflows: string[] = [];
    const workflow = heed.workflow.bind(heed);
    heed.workflow = ((...args: Parameters<typeof workflow>) => {
      const registered = workflow(...args);
      workflows.push(args[0]);
      return registered;
    }) as typeof heed.workflow;
    try {
      await (register as (heed: Heed) => unknown)(heed);
    } finally {
      Reflect.deleteProperty(heed, 'workflow');
    }
    loaded.push({ module: specifier, workflows });
  }
  return loaded;
}

/** The banner's lines naming the workflows a process registered: "workflows  greet, report (./jobs.js)". */
export function workflowLines(demo: readonly string[], imported: { module: string; workflows: string[] }[]): string[] {
  const lines = [
    ...(demo.length > 0 ? [`${demo.join(', ')} (demo)`] : []),
    ...imported.map((m) => `${m.workflows.length > 0 ? m.workflows.join(', ') : 'none'} (${m.module})`),
  ];
  return lines.map((line, i) => `${i === 0 ? '  workflows ' : '            '}${line}`);
}
