// @ts-check
/**
 * The insights view (`#/insights`, `#/insights/DAYS`): where decisions stall, from
 * GET /v1/insights: time to decision by person, channel, type and policy; what is pending,
 * overdue and escalated; and CSV downloads of the tasks and their audit entries. A person sees
 * their own figures; admins everyone's (the server decides).
 */
import { api, authHeaders } from './session.js';
import { channel, esc, person, typeName } from './words.js';

/**
 * @typedef {{ key: string, decided: number, p50Seconds: number | null, p90Seconds: number | null }} Figures
 * @typedef {{ principal: string | null, tasks: number, truncated: boolean, decided: number, timedOut: number,
 *   cancelled: number, pending: number, overdue: number, remindersPerTask: number, escalationsPerTask: number,
 *   answeredAfterEscalation: number, overall: Figures, byType: Figures[], byPolicy: Figures[],
 *   byPerson: Figures[], byChannel: Figures[] }} Insights
 */

const WINDOWS = [7, 30, 90];

/** @param {string} text */
const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * "1 min 30 s", "2 h", "3 days"; "–" when nothing was decided.
 * @param {number | null} seconds
 */
export function duration(seconds) {
  if (seconds === null) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3_600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86_400)
    return `${Math.floor(s / 3_600)} h${Math.floor((s % 3_600) / 60) ? ` ${Math.floor((s % 3_600) / 60)} min` : ''}`;
  const days = Math.round(s / 8_640) / 10;
  return `${days} day${days === 1 ? '' : 's'}`;
}

/**
 * @param {string} title
 * @param {string} id
 * @param {Figures[]} rows
 * @param {(key: string) => string} name
 */
function section(title, id, rows, name) {
  if (rows.length === 0) return '';
  const body = rows
    .map(
      (f) =>
        `<tr><td>${esc(name(f.key))}</td><td class="num">${f.decided}</td><td class="num">${esc(duration(f.p50Seconds))}</td><td class="num">${esc(duration(f.p90Seconds))}</td></tr>`,
    )
    .join('');
  return (
    `<h3>${esc(title)}</h3><table class="insights" id="${id}"><thead><tr><th></th><th class="num">Decided</th>` +
    `<th class="num">Median</th><th class="num">90% within</th></tr></thead><tbody>${body}</tbody></table>`
  );
}

/**
 * Downloads the CSV export with the signed-in credentials (a plain link could not send them).
 * @param {'tasks' | 'audit'} what
 * @param {number} days
 */
async function download(what, days) {
  const response = await fetch(`/v1/insights/export?what=${what}&days=${days}`, { headers: authHeaders() });
  if (!response.ok) throw new Error(`The export failed (${response.status})`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = `heed-${what}-${days}d.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * @param {HTMLElement} view
 * @param {string} hash `#/insights` or `#/insights/DAYS`
 */
export async function insights(view, hash) {
  const days = Number(/^#\/insights\/(\d+)$/.exec(hash)?.[1] ?? 30);
  view.innerHTML = '<p class="muted">Loading…</p>';
  try {
    /** @type {Insights} */
    const figures = await api('GET', `/v1/insights?days=${days}`);
    const whose = figures.principal === null ? 'Everyone’s decisions' : 'Your decisions';
    const windows = WINDOWS.map((d) =>
      d === days ? `<strong>${d} days</strong>` : `<a href="#/insights/${d}">${d} days</a>`,
    ).join(' · ');
    const stat = /** @param {string} id @param {string | number} value @param {string} label */ (id, value, label) =>
      `<div class="stat" id="${id}"><strong>${esc(String(value))}</strong><span class="muted">${esc(label)}</span></div>`;
    view.innerHTML =
      `<p><a href="#/">← Inbox</a></p><h2>${whose}</h2>` +
      `<p class="muted">Tasks created in the last ${windows}${figures.truncated ? ' (the newest 20,000)' : ''}.</p>` +
      '<div class="stats">' +
      stat('stat-median', duration(figures.overall.p50Seconds), 'median time to decision') +
      stat('stat-p90', duration(figures.overall.p90Seconds), '90% decided within') +
      stat('stat-pending', figures.pending, 'waiting now') +
      stat('stat-overdue', figures.overdue, 'past their deadline') +
      stat('stat-escalated', figures.answeredAfterEscalation, 'answered only after an escalation') +
      stat('stat-timedout', figures.timedOut, 'decided by their deadline') +
      '</div>' +
      `<p class="muted small">${figures.tasks} tasks, ${figures.decided} decided by a person, ${figures.cancelled} cancelled; ` +
      `${figures.remindersPerTask} reminders and ${figures.escalationsPerTask} escalations per task.</p>` +
      section('By person', 'by-person', figures.byPerson, (key) => person(key)) +
      section('By channel', 'by-channel', figures.byChannel, (key) => capital(channel(key))) +
      section('By type', 'by-type', figures.byType, typeName) +
      section('By policy', 'by-policy', figures.byPolicy, (key) => (key === 'none' ? 'no policy' : key)) +
      '<div class="actions"><button id="export-tasks">Download the tasks (CSV)</button>' +
      '<button id="export-audit">Download their audit entries (CSV)</button></div>' +
      '<p class="error" id="export-error" role="alert"></p>';
    for (const what of /** @type {const} */ (['tasks', 'audit'])) {
      document.getElementById(`export-${what}`)?.addEventListener('click', () =>
        download(what, days).catch((error) => {
          const problem = document.getElementById('export-error');
          if (problem) problem.textContent = /** @type {Error} */ (error).message;
        }),
      );
    }
  } catch (error) {
    view.innerHTML = `<p class="error">${esc(/** @type {Error} */ (error).message)}</p>`;
  }
}
