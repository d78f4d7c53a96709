/**
 * The `heed` command's first import: on a Node too old for Heed it says so and exits (status 2)
 * before any module that loads `node:sqlite` is imported (those are imported when a command runs).
 */
import { nodeProblem } from '../node-support.ts';

const problem = nodeProblem();
if (problem) {
  console.error(`heed: ${problem}`);
  process.exit(2);
}
