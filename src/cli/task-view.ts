import type { AuditEntry, Task } from '../client/index.ts';
import { markdownText } from '../text/markdown.ts';
import { clean, paint, status, table, when } from './format.ts';

/** What a person reads before answering: title, description, action, payload, form, deadline. */
export function printTask(task: Task): void {
  console.log(
    `${paint('bold', clean(task.title))}  ${status(task.status, task.result?.outcome)}  ${paint('dim', `${task.type} · ${clean(task.id)}`)}`,
  );
  if (task.requester) console.log(paint('dim', `asked by ${clean(task.requester)}`));
  // The description is Markdown: a terminal shows it as plain text (no ** or []()).
  if (task.description) console.log(clean(markdownText(task.description)));
  if (task.action) {
    const editable = task.allowEdit ? paint('dim', ' (you may edit the arguments)') : '';
    console.log(
      `${paint('cyan', 'action')}   ${clean(task.action.tool)} ${clean(JSON.stringify(task.action.args))}${editable}`,
    );
  }
  if (task.payload !== null && task.payload !== undefined) {
    console.log(`${paint('cyan', 'payload')}  ${clean(JSON.stringify(task.payload))}`);
  }
  if (task.form) console.log(`${paint('cyan', 'form')}     ${clean(JSON.stringify(task.form))}`);
  if (task.deadline) console.log(`${paint('cyan', 'deadline')} ${when(task.deadline)}${onTimeout(task)}`);
}

function onTimeout(task: Task): string {
  return task.onTimeout.status === 'resolved' ? ` (then: ${task.onTimeout.outcome})` : ' (then: expires)';
}

/** `heed show`: the task, who was asked, how it ended, and its history from the audit log. */
export function printTaskDetail(task: Task, history: readonly AuditEntry[]): void {
  printTask(task);
  console.log('');
  const asked = task.assignees
    .map((a) => (a.level ? `${clean(a.principal)} (escalation ${a.level})` : clean(a.principal)))
    .join(', ');
  console.log(
    table(
      ['FIELD', 'VALUE'],
      [
        ['outcomes', task.outcomes.join(', ')],
        ['reason needed for', task.requireComment.join(', ') || '-'],
        ['asked', asked || '(anyone)'],
        ['requester', clean(task.requester ?? '-')],
        ['asked at', when(task.createdAt)],
        ['escalation', String(task.escalationLevel)],
        ['result', task.result ? resultLine(task) : '-'],
      ],
    ),
  );
  if (task.result?.edit) {
    console.log('');
    console.log(paint('bold', 'Arguments edited'));
    for (const change of task.result.edit.changes) {
      console.log(
        `  ${clean(change.path)}: ${clean(JSON.stringify(change.from))} → ${clean(JSON.stringify(change.to))}`,
      );
    }
  }
  console.log('');
  console.log(paint('bold', 'History'));
  console.log(
    table(
      ['WHEN', 'WHAT', 'WHO', 'VIA', 'OUTCOME', 'COMMENT'],
      history.map((e) => [
        when(e.at),
        // Without SMTP or a Slack token a notice waits in the local outbox: it was not sent.
        e.action === 'notified' && (e.detail as { outbox?: boolean } | undefined)?.outbox
          ? 'kept in the outbox'
          : e.action,
        clean(e.actor),
        e.via,
        clean(e.outcome ?? ''),
        clean(commentOf(e.detail)),
      ]),
    ),
  );
}

function resultLine(task: Task): string {
  const r = task.result;
  if (!r) return '-';
  const what = r.outcome ?? r.status;
  const comment = r.comment ? ` — "${clean(r.comment)}"` : '';
  return `${clean(what)} by ${clean(r.by ?? '-')} via ${clean(r.via ?? '-')} at ${when(r.at)}${comment}`;
}

/** The comment of a response, or the reason an answer was refused. */
function commentOf(detail: unknown): string {
  const { comment, reason } = (detail ?? {}) as { comment?: unknown; reason?: unknown };
  if (typeof comment === 'string') return comment;
  return typeof reason === 'string' ? `refused: ${reason}` : '';
}
