// @ts-check
/**
 * Standing approvals in the inbox (browser module): on an action approval one approved, "Let this
 * approval stand" (POST /v1/tasks/{id}/standing: for how many days, and a maximum per numeric
 * argument; the others stay as approved); and the `#/standing` view listing one's standing
 * approvals (admins: everyone's) with a Revoke button each (DELETE /v1/standing-approvals/{id}).
 * The server decides whether the task's policy allows it and for how long.
 */
import { ApiError, api } from './session.js';
import { esc, person } from './words.js';
/** @import { Task } from './types.d.ts' */

/**
 * @typedef {{ id: string, tool: string, policy: { name: string, version: string }, requester: string | null,
 *   approver: string, bounds: { equal: Record<string, unknown>, max: Record<string, number> }, sourceTaskId: string,
 *   createdAt: number, expiresAt: number, revokedAt: number | null, revokedBy: string | null, active: boolean }} Standing
 */

/** @param {unknown} value */
const shown = (value) => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * The collapsed form, on an approved action approval the viewer approved; otherwise nothing.
 * @param {Task} task
 * @param {string} me the viewer's principal
 */
export function standingBlock(task, me) {
  if (task.type !== 'approval' || !task.action || task.status !== 'resolved') return '';
  const approve = task.quorum.approveOutcome;
  if (task.result?.outcome !== approve) return '';
  if (!task.responses.some((r) => r.principal === me && r.outcome === approve)) return '';
  const args = /** @type {Record<string, unknown>} */ (task.result?.args ?? task.action.args);
  const numbers = Object.entries(args).filter(([, v]) => typeof v === 'number');
  const others = Object.entries(args).filter(([, v]) => typeof v !== 'number');
  return (
    '<details class="reassign" id="standing"><summary>Let this approval stand</summary>' +
    `<p class="muted small">Approve the same action (${esc(task.action.tool)}) for ${esc(task.requester ? person(task.requester, me) : 'the same asker')} automatically, as you, while it stands.${others.length ? ` These stay as approved: ${esc(others.map(([k, v]) => `${k} = ${shown(v)}`).join(', '))}.` : ''}</p>` +
    '<form id="standing-form" novalidate>' +
    '<label for="standing-days">For how many days</label><input id="standing-days" type="number" min="1" value="7">' +
    numbers
      .map(
        ([name, value]) =>
          `<label for="standing-max-${esc(name)}">Highest ${esc(name)} <span class="muted">(approved: ${esc(String(value))}; empty: exactly that)</span></label>` +
          `<input id="standing-max-${esc(name)}" data-max="${esc(name)}" type="number" step="any">`,
      )
      .join('') +
    '<div class="actions"><button type="submit" id="standing-send">Let it stand</button></div>' +
    '<div class="error" id="standing-error" role="alert"></div></form></details>'
  );
}

/**
 * Sends the form; says what now stands, or what the server refused.
 * @param {Task} task
 */
export function wireStanding(task) {
  const form = /** @type {HTMLFormElement | null} */ (document.getElementById('standing-form'));
  if (!form) return;
  const problem = /** @type {HTMLElement} */ (document.getElementById('standing-error'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const days = Number(/** @type {HTMLInputElement} */ (document.getElementById('standing-days')).value);
    /** @type {Record<string, number>} */
    const max = {};
    for (const input of /** @type {NodeListOf<HTMLInputElement>} */ (form.querySelectorAll('input[data-max]'))) {
      if (input.value.trim() !== '') max[input.dataset.max || ''] = Number(input.value);
    }
    try {
      /** @type {Standing} */
      const granted = await api('POST', `/v1/tasks/${encodeURIComponent(task.id)}/standing`, {
        days,
        ...(Object.keys(max).length ? { max } : {}),
      });
      form.outerHTML = `<p class="notice" id="standing-granted">It stands until ${esc(new Date(granted.expiresAt).toLocaleString())}: ${esc(describe(granted))}. <a href="#/standing">Your standing approvals</a></p>`;
    } catch (error) {
      problem.textContent = error instanceof ApiError ? error.message : /** @type {Error} */ (error).message;
    }
  });
}

/**
 * "pay with amount ≤ 200, to = acme"
 * @param {Standing} s
 */
function describe(s) {
  const bounds = [
    ...Object.entries(s.bounds.max).map(([k, v]) => `${k} ≤ ${v}`),
    ...Object.entries(s.bounds.equal).map(([k, v]) => `${k} = ${shown(v)}`),
  ];
  return `${s.tool}${bounds.length ? ` with ${bounds.join(', ')}` : ''}`;
}

/**
 * The `#/standing` view.
 * @param {HTMLElement} $view
 * @param {string} me the viewer's principal
 */
export async function standingView($view, me) {
  $view.innerHTML =
    '<h2 id="standing-title">Standing approvals</h2><p class="muted">Actions approved in advance, within bounds, until they expire or are revoked.</p><div id="standing-list" class="list"></div>';
  const $list = /** @type {HTMLElement} */ ($view.querySelector('#standing-list'));
  /** @type {{ items: Standing[] }} */
  let page;
  try {
    page = await api('GET', '/v1/standing-approvals');
  } catch (error) {
    $list.innerHTML = `<p class="error">${esc(/** @type {Error} */ (error).message)}</p>`;
    return;
  }
  if (page.items.length === 0) {
    $list.innerHTML =
      '<p class="muted empty" id="standing-empty">None. On an action you approved, “Let this approval stand” adds one.</p>';
    return;
  }
  $list.innerHTML = page.items
    .map(
      (s) =>
        `<div class="card" data-standing="${esc(s.id)}"><div class="row between"><strong>${esc(describe(s))}</strong>` +
        `<span class="chip">${s.active ? 'in force' : s.revokedAt ? 'revoked' : 'expired'}</span></div>` +
        `<div class="muted small">for requests of ${esc(s.requester ? person(s.requester, me) : 'no one named')} · approved by ${esc(person(s.approver, me))} · policy “${esc(s.policy.name)}” · ` +
        `${s.revokedAt ? `revoked by ${esc(person(s.revokedBy || '', me))}` : `until ${esc(new Date(s.expiresAt).toLocaleString())}`} · <a href="#/task/${encodeURIComponent(s.sourceTaskId)}">the approval</a></div>` +
        (s.active
          ? `<div class="actions"><button type="button" class="danger" data-revoke="${esc(s.id)}">Revoke</button></div>`
          : '') +
        '</div>',
    )
    .join('');
  $list.addEventListener('click', async (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest('button[data-revoke]');
    if (!(button instanceof HTMLButtonElement)) return;
    button.disabled = true;
    try {
      await api('DELETE', `/v1/standing-approvals/${encodeURIComponent(button.dataset.revoke || '')}`);
      await standingView($view, me);
    } catch (error) {
      button.disabled = false;
      button.insertAdjacentHTML(
        'afterend',
        `<span class="error" role="alert">${esc(/** @type {Error} */ (error).message)}</span>`,
      );
    }
  });
}
