import { connect } from './api.ts';
import type { Command } from './command.ts';
import { clean, paint } from './format.ts';
import { UsageError } from './task-commands.ts';

const str = (value: string | boolean | undefined) => (typeof value === 'string' ? value : undefined);

/** An epoch ms as people read it: `2026-12-18 09:00 UTC`. */
const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

interface AwayView {
  principal: string;
  away: { delegate: string; from: number; until: number; setBy: string } | null;
  active: boolean;
  delegateNow: string | null;
  moved?: number;
}

/** What `heed away` prints about an absence. */
export function describeAway(state: AwayView): string {
  if (!state.away) return `${clean(state.principal)} is not away: tasks reach them.`;
  const { delegate, from, until, setBy } = state.away;
  const lines = [
    state.active
      ? `${clean(state.principal)} is away until ${when(until)}: tasks go to ${clean(state.delegateNow ?? delegate)}` +
        (state.delegateNow && state.delegateNow !== delegate ? ` (through ${clean(delegate)})` : '')
      : `${clean(state.principal)} will be away from ${when(from)} until ${when(until)}: tasks will go to ${clean(delegate)}`,
  ];
  if (setBy !== state.principal) lines.push(`set by ${clean(setBy)}`);
  if (state.moved) lines.push(`${state.moved} pending task${state.moved === 1 ? '' : 's'} moved to the delegate`);
  return lines.join('\n');
}

export const awayCommand: Command = {
  name: 'away',
  usage: 'heed away [--until TIME --delegate PRINCIPAL [--from TIME]] [--off] [--for PRINCIPAL]',
  summary: 'Set yourself away with a delegate, come back (--off), or show whether you are away.',
  details:
    'While you are away, tasks that would reach you reach your delegate, marked as for you; your\n' +
    'pending tasks move to them when the absence starts. TIME is an ISO date or time (a date alone\n' +
    'is midnight UTC). Admins may act for someone else with --for. Examples:\n' +
    '  heed away --until 2026-12-18 --delegate user:bob\n' +
    '  heed away --off\n' +
    '  heed away',
  options: {
    until: { type: 'string', value: 'TIME', description: 'when you are back' },
    delegate: { type: 'string', value: 'P', description: 'who answers meanwhile' },
    from: { type: 'string', value: 'TIME', description: 'when the absence starts (default now)' },
    off: { type: 'boolean', description: 'you are back: tasks reach you again' },
    for: { type: 'string', value: 'P', description: "someone else's absence (admins)" },
  },
  remote: true,
  run: async (_, flags) => {
    const until = str(flags.until);
    const delegate = str(flags.delegate);
    const from = str(flags.from);
    const other = str(flags.for);
    if (flags.off && (until || delegate || from)) throw new UsageError('--off takes no --until, --delegate or --from');
    if ((until || from) && !delegate)
      throw new UsageError('heed away --until needs --delegate (who answers meanwhile)');
    if (delegate && !until) throw new UsageError('heed away --delegate needs --until (when you are back)');
    const api = connect(flags);
    const body = until && delegate ? { until, delegate, ...(from ? { from } : {}) } : undefined;
    let state: AwayView;
    if (other) {
      const params = { params: { path: { principal: other } } };
      state = await api.call(
        flags.off
          ? api.client.DELETE('/v1/people/{principal}/away', params)
          : body
            ? api.client.PUT('/v1/people/{principal}/away', { ...params, body })
            : api.client.GET('/v1/people/{principal}/away', params),
      );
    } else {
      state = await api.call(
        flags.off
          ? api.client.DELETE('/v1/me/away')
          : body
            ? api.client.PUT('/v1/me/away', { body })
            : api.client.GET('/v1/me/away'),
      );
    }
    const mark = body || flags.off ? `${paint('green', '✔')} ` : '';
    console.log(`${mark}${describeAway(state)}`);
  },
};
