/**
 * The Node versions Heed runs on: 22.13 or later (23.4 or later on Node 23), where `node:sqlite`
 * needs no flag. Checked before anything loads `node:sqlite`, so that an older Node says this
 * instead of "No such built-in module: node:sqlite".
 */
export const NODE_NEEDED = '22.13';

/** What is wrong with this Node, in a sentence saying what to do; `undefined` when it will do. */
export function nodeProblem(version: string = process.versions.node): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major >= 24 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13)) return undefined;
  return (
    `Heed needs Node ≥ ${NODE_NEEDED} (this is Node ${version}): install Node 24 LTS (or 22.13 or later), ` +
    'e.g. `nvm install 24`. Inside the Heed repository, npm scripts and npx run the pinned Node 24 themselves.'
  );
}
