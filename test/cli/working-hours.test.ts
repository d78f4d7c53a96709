import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { heed } from './run-cli.ts';

describe('heed serve: people’s working hours from --config', () => {
  it('refuses to start with working hours it cannot use, naming the entry and the field', async () => {
    const dir = tempDir();
    const config = join(dir, 'heed.json');
    const start = async (person: object) => {
      writeFileSync(config, JSON.stringify({ people: { 'user:bob': person } }));
      return heed(['serve', '--no-demo', '--db', join(dir, 'heed.db'), '--port', '0', '--config', config]);
    };
    const week = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' };
    const noZone = await start({ workingHours: week });
    expect(noZone.code).toBe(2);
    expect(noZone.err).toContain('people["user:bob"]: workingHours needs a timeZone');
    const badDay = await start({ timeZone: 'Europe/Paris', workingHours: { ...week, days: ['funday'] } });
    expect(badDay.code).toBe(2);
    expect(badDay.err).toContain('people["user:bob"]: workingHours.days: unknown day "funday"');
  });
});
