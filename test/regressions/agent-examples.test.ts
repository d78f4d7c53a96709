import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExample } from '../examples/run-example.ts';
import { tempDir } from '../helpers.ts';

const db = (name: string) => join(tempDir('heed-example-'), `${name}.db`);

/** examples/terminal.ts `answerAtTerminal`: how a person's terminal input becomes an answer. */
describe('examples: answering at the terminal', () => {
  it('does not approve a $150 transfer when stdin is closed (no one answered)', async () => {
    // `ask` returns '' at end of input, and '' means "the first outcome": approve.
    const { out } = await runExample('banking/main.ts', ['Transfer $150 to Alice'], db('eof'), '');
    expect(out).toContain('? Transfer $150 to Alice?');
    // Actual: "agent: Transferred $150 to Alice. Your balance is $850."
    expect(out).not.toContain('Transferred $150 to Alice');
  }, 40_000);

  it('a reject without a comment asks again instead of crashing the script', async () => {
    // Rejections need a comment; respond() throws COMMENT_REQUIRED, which nobody catches. The
    // task is already in `asked`, so even a caught error would never ask again.
    const { code, out } = await runExample(
      'banking/main.ts',
      ['Transfer $150 to Alice'],
      db('nocomment'),
      'reject\n\nreject\ntoo much\n',
    );
    // Actual: exit code 1 with an unhandled InvalidResponseError ("reject" needs a comment).
    expect(out).not.toContain('COMMENT_REQUIRED');
    expect(code).toBe(0);
    expect(out).toContain('too much');
  }, 40_000);
});
