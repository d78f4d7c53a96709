import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorOf, brokenLinks, documentationFiles } from '../../scripts/doc-links.ts';
import { tempDir } from '../helpers.ts';

const root = join(import.meta.dirname, '..', '..');

describe('links in the documentation', () => {
  it('all resolve: every relative link of the README, docs/ and examples/ to a file, every anchor to a heading, every file named', () => {
    expect(brokenLinks(documentationFiles(root), root)).toEqual([]);
  });

  it('finds a missing file, a missing anchor, and knows GitHub anchors', () => {
    expect(anchorOf("Chat: the AI SDK's `useChat`, against Heed")).toBe('chat-the-ai-sdks-usechat-against-heed');
    expect(anchorOf('When to use Heed, and when LangGraph, Temporal or DBOS')).toBe(
      'when-to-use-heed-and-when-langgraph-temporal-or-dbos',
    );
    const dir = tempDir('heed-links-');
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'a.md'), '# A\n\n## Two words\n\n```sh\n# not a heading\n```\n');
    writeFileSync(
      join(dir, 'README.md'),
      [
        '[ok](docs/a.md#two-words) [here](#top) [gone](docs/b.md) [bad](docs/a.md#not-a-heading)',
        '<img src="docs/missing.png"> [web](https://example.com/x.md) `[code](nowhere.md)` `test/gone.test.ts`',
        '# Top',
      ].join('\n'),
    );
    expect(brokenLinks(['README.md', 'docs/a.md'], dir)).toEqual([
      'README.md: `test/gone.test.ts` (no such file in the repository)',
      'README.md: docs/b.md (no such file: docs/b.md)',
      'README.md: docs/a.md#not-a-heading (no heading with the anchor #not-a-heading in docs/a.md)',
      'README.md: docs/missing.png (no such file: docs/missing.png)',
    ]);
  });
});
