// @ts-check
/**
 * Away and delegates in the inbox: the banner at the top of the lists (you are away until …,
 * your tasks go to …, "I'm back"; or a small form to set yourself away: until, delegate), and
 * the words for a task asked of someone standing in for a person away: "for Alice (away until
 * Friday, Dec 18)". The server decides everything (GET/PUT/DELETE /v1/me/away); this shows it.
 */
import { ApiError, api } from './session.js';
import { esc, person } from './words.js';
/** @import { Task } from './types.d.ts' */

/**
 * @typedef {{ principal: string, away: { delegate: string, from: number, until: number, setBy: string } | null,
 *   active: boolean, delegateNow: string | null, moved?: number }} AwayState
 */

/**
 * A day as people say it: "Friday, Dec 18".
 * @param {number} ms epoch milliseconds
 */
export function day(ms) {
  return new Date(ms).toLocaleDateString(undefined, { weekday: 'long', month: 'short', day: 'numeric' });
}

/**
 * For whom those asked stand in, as the viewer reads it: "for Alice (away until Friday, Dec 18)";
 * '' when nobody stands in for anyone. Where the viewer is the delegate, only whom they stand in for.
 * @param {Task} task
 * @param {string} me
 * @param {readonly string[]} identities
 */
export function standsFor(task, me, identities) {
  const stands = task.assignees.filter((a) => a.for);
  const mine = stands.filter((a) => identities.includes(a.principal));
  const shown = mine.length ? mine : stands;
  return shown
    .map((a) => {
      const f = /** @type {{ principal: string, until: number }} */ (a.for);
      const by = mine.length ? '' : `${person(a.principal, me)} `;
      return `${by}for ${person(f.principal, me)} (away until ${day(f.until)})`;
    })
    .join('; ');
}

/**
 * Fills `slot` with the viewer's away banner, and wires it. Silent when the server cannot say.
 * @param {HTMLElement} slot
 * @param {string} me
 */
export async function renderAwayBanner(slot, me) {
  /** @type {AwayState} */
  let state;
  try {
    state = await api('GET', '/v1/me/away');
  } catch {
    slot.innerHTML = '';
    return;
  }
  paint(slot, state, me);
}

/**
 * @param {HTMLElement} slot
 * @param {AwayState} state
 * @param {string} me
 */
function paint(slot, state, me) {
  const away = state.away;
  if (away) {
    const to = person(state.delegateNow || away.delegate, me);
    const text = state.active
      ? `You are away until ${day(away.until)}. Your tasks go to ${to}.`
      : `You will be away from ${day(away.from)} until ${day(away.until)}. Your tasks will go to ${person(away.delegate, me)}.`;
    const moved = state.moved ? ` ${state.moved} waiting task${state.moved === 1 ? '' : 's'} moved to them.` : '';
    slot.innerHTML =
      `<div class="away-banner" id="away-banner" role="status"><span id="away-text">${esc(text + moved)}</span>` +
      '<button type="button" id="away-off">I’m back</button><span class="error" id="away-error" role="alert"></span></div>';
    slot.querySelector('#away-off')?.addEventListener('click', () => send(slot, me, 'DELETE'));
    return;
  }
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  slot.innerHTML =
    '<details class="away-set" id="away-set"><summary>Going away?</summary><form id="away-form" novalidate>' +
    `<label>Until <input type="date" id="away-until" min="${tomorrow}"></label>` +
    '<label>Who answers meanwhile <input id="away-delegate" placeholder="user:bob" autocomplete="off"></label>' +
    '<button type="submit" id="away-send">Set me away</button>' +
    '<span class="error" id="away-error" role="alert"></span></form></details>';
  slot.querySelector('#away-form')?.addEventListener('submit', (event) => {
    event.preventDefault();
    send(slot, me, 'PUT');
  });
}

/**
 * @param {HTMLElement} slot
 * @param {string} me
 * @param {'PUT' | 'DELETE'} method
 */
async function send(slot, me, method) {
  const problem = /** @type {HTMLElement} */ (slot.querySelector('#away-error'));
  /** @param {string} id */
  const value = (id) => /** @type {HTMLInputElement | null} */ (slot.querySelector(id))?.value.trim() ?? '';
  const body = method === 'PUT' ? { until: value('#away-until'), delegate: value('#away-delegate') } : undefined;
  if (body && (!body.until || !body.delegate)) {
    problem.textContent = body.until
      ? 'Name who answers meanwhile, for example user:bob.'
      : 'Pick the day you are back.';
    return;
  }
  try {
    /** @type {AwayState} */
    const state = await api(method, '/v1/me/away', body);
    paint(slot, state, me);
  } catch (error) {
    problem.textContent = error instanceof ApiError ? error.message : /** @type {Error} */ (error).message;
  }
}
