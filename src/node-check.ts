/**
 * Imported first by the package's entries: on a Node too old for Heed, loading Heed fails with
 * a sentence saying what to do (see `node-support.ts`), before anything loads `node:sqlite`.
 * @throws Error on Node older than 22.13.
 */
import { nodeProblem } from './node-support.ts';

const problem = nodeProblem();
if (problem) throw new Error(problem);
