import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** The markdown a newcomer reads: the README, the examples' and the docs'. */
function markdownFiles(): string[] {
  const found = ['README.md'];
  for (const folder of ['examples', 'docs']) {
    for (const entry of readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })) {
      if (entry.endsWith('.md')) found.push(join(folder, entry));
    }
  }
  return found;
}

/** The commands a reader may paste: fenced shell blocks' lines and inline code that starts like a command. */
function commands(markdown: string): string[] {
  const out: string[] = [];
  for (const block of markdown.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    out.push(...(block[1] ?? '').split('\n'));
  }
  for (const span of markdown.matchAll(/`([^`\n]+)`/g)) {
    if (/^(npm|npx|node|curl|heed)\b/.test(span[1] ?? '')) out.push(span[1] ?? '');
  }
  return out;
}

/** Where bash would expand `$1`…`$9` (unquoted or in double quotes; single quotes keep it). */
function expandsPositional(command: string): boolean {
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote === "'") {
      if (c === "'") quote = '';
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '#' && quote === '' && (i === 0 || command[i - 1] === ' ')) return false; // a comment
    if (c === "'" && quote === '') quote = "'";
    else if (c === '"') quote = quote === '"' ? '' : '"';
    else if (c === '$' && /[0-9]/.test(command[i + 1] ?? '')) return true;
  }
  return false;
}

describe('commands in the documentation', () => {
  it('never put a dollar amount where the shell expands it ("Transfer $150" reaches the program as "Transfer 50")', () => {
    expect(expandsPositional(`npm run example -- banking "Transfer $150 to Alice"`)).toBe(true);
    expect(expandsPositional(`npm run example -- banking 'Transfer $150 to Alice'`)).toBe(false);
    expect(expandsPositional(`curl -d '{"text":"Transfer $150"}'`)).toBe(false);
    const wrong = markdownFiles().flatMap((file) =>
      commands(readFileSync(join(root, file), 'utf8'))
        .filter(expandsPositional)
        .map((command) => `${file}: ${command}`),
    );
    expect(wrong).toEqual([]);
  });
});
