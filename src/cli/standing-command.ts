import { connect } from './api.ts';
import type { Command } from './command.ts';
import { clean, paint } from './format.ts';
import { UsageError } from './task-commands.ts';

/** "amount=200,fee=5" → {amount: 200, fee: 5}. */
export function parseBounds(text: string): Record<string, number> {
  const max: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value, ...rest] = part.split('=');
    const n = Number(value);
    if (!name || value === undefined || rest.length > 0 || value.trim() === '' || !Number.isFinite(n)) {
      throw new UsageError(`--max takes NAME=NUMBER[,NAME=NUMBER…], got "${part}"`);
    }
    max[name.trim()] = n;
  }
  return max;
}

/**
 * `heed standing`: list your standing approvals, `heed standing grant TASK --days N [--max
 * amount=200]` lets an approval you gave stand, `heed standing revoke SA-…` revokes one.
 */
export const standingCommand: Command = {
  name: 'standing',
  usage: 'heed standing [list [--active] | grant TASK-ID --days N [--max NAME=NUMBER,…] | revoke SA-ID]',
  summary: 'Standing approvals: list yours, let an approval you gave stand, revoke one.',
  details:
    'A standing approval approves later requests of the same action from the same requester, under\n' +
    'the same policy version, whose arguments are within the bounds (those in --max up to it, the\n' +
    'others equal to the approved ones), as you, until it expires or is revoked. Only where the\n' +
    'policy allows it (`standing: {maxDays}`). Examples:\n' +
    '  heed standing grant T-1 --days 7 --max amount=200\n' +
    '  heed standing list --active\n' +
    '  heed standing revoke SA-4f…',
  options: {
    days: { type: 'string', value: 'N', description: 'grant: how many days it stands' },
    max: { type: 'string', value: 'NAME=NUMBER,…', description: 'grant: the highest value per numeric argument' },
    active: { type: 'boolean', description: 'list: only those in force' },
  },
  remote: true,
  run: async ([action = 'list', id], flags) => {
    const api = connect(flags);
    if (action === 'list') {
      const page = await api.call(
        api.client.GET('/v1/standing-approvals', { params: { query: flags.active ? { active: 'true' } : {} } }),
      );
      if (page.items.length === 0) {
        console.log('No standing approvals.');
        return;
      }
      for (const s of page.items) {
        const bounds = [
          ...Object.entries(s.bounds.max).map(([k, v]) => `${k}<=${v}`),
          ...Object.entries(s.bounds.equal).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
        ].join(' ');
        const state = s.active ? 'in force' : s.revokedAt ? `revoked by ${s.revokedBy}` : 'expired';
        console.log(
          `${clean(s.id)}  ${clean(s.tool)} ${clean(bounds)}  for ${clean(s.requester ?? '-')}  by ${clean(s.approver)}  until ${new Date(s.expiresAt).toISOString()}  ${clean(state)}`,
        );
      }
      return;
    }
    if (!id) throw new UsageError(`heed standing ${action} needs an id`);
    if (action === 'grant') {
      const days = Number(flags.days);
      if (typeof flags.days !== 'string' || !Number.isInteger(days) || days < 1) {
        throw new UsageError('heed standing grant needs --days N (a whole number)');
      }
      const max = typeof flags.max === 'string' ? parseBounds(flags.max) : undefined;
      const s = await api.call(
        api.client.POST('/v1/tasks/{id}/standing', {
          params: { path: { id } },
          body: { days, ...(max && Object.keys(max).length ? { max } : {}) },
        }),
      );
      console.log(`${paint('green', '✔')} ${clean(s.id)} stands until ${new Date(s.expiresAt).toISOString()}`);
      return;
    }
    if (action === 'revoke') {
      const s = await api.call(api.client.DELETE('/v1/standing-approvals/{id}', { params: { path: { id } } }));
      console.log(`${paint('green', '✔')} ${clean(s.id)} revoked`);
      return;
    }
    throw new UsageError(`Unknown action "${action}": list, grant or revoke`);
  },
};
