/**
 * `npm run example -- NAME [ARGS…]` runs `examples/NAME/main.ts` on the project's pinned Node
 * (whatever Node the machine has), e.g. `npm run example -- async-approval --fast`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const names = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(here, entry.name, 'main.ts')))
  .map((entry) => entry.name)
  .sort();
const [name, ...args] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.error(`usage: npm run example -- NAME [ARGS…]\nexamples: ${names.join(', ')}`);
  process.exit(2);
}
// The example reads its own arguments from process.argv, as if it had been started directly.
const main = join(here, name, 'main.ts');
process.argv = [process.argv[0] ?? 'node', main, ...args];
await import(main);
