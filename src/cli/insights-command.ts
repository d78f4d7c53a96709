import type { Command } from './command.ts';
import { connect } from './api.ts';
import { clean, paint, table } from './format.ts';
import { UsageError } from './task-commands.ts';

const str = (value: string | boolean | undefined) => (typeof value === 'string' ? value : undefined);

/** 95 → "1m 35s", 7200 → "2h", null → "–". */
export function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3_600), 'h'],
    [Math.floor((s % 3_600) / 60), 'm'],
    [s % 60, 's'],
  ];
  return parts
    .filter(([n]) => n > 0)
    .slice(0, 2)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}

interface Figures {
  key: string;
  decided: number;
  p50Seconds: number | null;
  p90Seconds: number | null;
}

export const insightsCommand: Command = {
  name: 'insights',
  usage: 'heed insights [--days N] [--principal P] [--csv | --audit]',
  summary: 'Where decisions stall: time to decision by type, policy, person and channel (yours; admins: everyone’s).',
  details:
    'Tasks created in the last --days (default 30). --csv prints those tasks as CSV, --audit their\n' +
    'audit entries (for a spreadsheet or an auditor).',
  options: {
    days: { type: 'string', value: 'N', description: 'the window in days, 1 to 366 (default 30)' },
    principal: { type: 'string', value: 'P', description: "one person's figures (admins; others see their own)" },
    csv: { type: 'boolean', description: 'the tasks as CSV' },
    audit: { type: 'boolean', description: 'their audit entries as CSV' },
  },
  remote: true,
  run: async (_, flags) => {
    const days = str(flags.days);
    if (days !== undefined && !/^\d+$/.test(days)) throw new UsageError('--days is a whole number of days, 1 to 366');
    const api = connect(flags);
    const query = {
      ...(days ? { days: Number(days) } : {}),
      ...(str(flags.principal) ? { principal: str(flags.principal) } : {}),
    };
    if (flags.csv || flags.audit) {
      const what = flags.audit ? 'audit' : 'tasks';
      const text = await api.call(
        api.client.GET('/v1/insights/export', { params: { query: { ...query, what } }, parseAs: 'text' }),
      );
      process.stdout.write(String(text));
      return;
    }
    const figures = await api.call(api.client.GET('/v1/insights', { params: { query } }));
    const who = figures.principal === null ? 'everyone' : clean(figures.principal);
    console.log(
      `${paint('bold', `Decisions of ${who}`)}, tasks created in the last ${days ?? 30} days` +
        `${figures.truncated ? paint('dim', ' (the newest 20,000)') : ''}`,
    );
    console.log(
      `${figures.tasks} tasks: ${figures.decided} decided, ${figures.timedOut} decided by their deadline, ` +
        `${figures.cancelled} cancelled, ${figures.pending} pending (${figures.overdue} overdue)`,
    );
    console.log(
      `Time to decision: median ${duration(figures.overall.p50Seconds)}, 90% within ${duration(figures.overall.p90Seconds)}; ` +
        `${figures.answeredAfterEscalation} answered only after an escalation; ` +
        `${figures.remindersPerTask} reminders and ${figures.escalationsPerTask} escalations per task`,
    );
    const section = (title: string, rows: Figures[]) => {
      if (rows.length === 0) return;
      console.log(`\n${paint('bold', title)}`);
      console.log(
        table(
          ['', 'DECIDED', 'MEDIAN', '90%'],
          rows.map((f) => [clean(f.key), String(f.decided), duration(f.p50Seconds), duration(f.p90Seconds)]),
        ),
      );
    };
    section('By person', figures.byPerson);
    section('By channel', figures.byChannel);
    section('By type', figures.byType);
    section('By policy', figures.byPolicy);
  },
};
