// @ts-check
/**
 * "Hand to someone else" on a task page: the people asked hand a pending task to others with a
 * reason (POST /v1/tasks/{id}/reassign). The server decides who may (its policy); this only shows
 * the form to those asked, and says what the server refused.
 */
import { ApiError, api } from './session.js';
import { esc } from './words.js';
/** @import { Task } from './types.d.ts' */

/**
 * The collapsed form, or nothing when the viewer is not among those asked.
 * @param {Task} task
 * @param {string[]} identities the viewer and their groups
 */
export function reassignBlock(task, identities) {
  if (task.status !== 'pending' || task.stages) return '';
  if (!task.assignees.some((a) => identities.includes(a.principal))) return '';
  return (
    '<details class="reassign" id="reassign"><summary>Hand to someone else</summary>' +
    '<form id="reassign-form" novalidate>' +
    '<label for="reassign-to">Who decides instead <span class="muted">(for example user:bob; several: separate with commas)</span></label>' +
    '<input id="reassign-to" autocomplete="off">' +
    '<label for="reassign-reason">Why <span class="muted">(they will see it)</span></label>' +
    '<textarea id="reassign-reason" rows="2"></textarea>' +
    `<div class="actions"><button type="submit" id="reassign-send">Hand over</button></div>` +
    '<div class="error" id="reassign-error" role="alert"></div></form></details>'
  );
}

/**
 * Sends the form; on success calls `done` with the task as it now is.
 * @param {Task} task
 * @param {(task: Task) => void} done
 */
export function wireReassign(task, done) {
  const form = /** @type {HTMLFormElement | null} */ (document.getElementById('reassign-form'));
  if (!form) return;
  const input = /** @param {string} id */ (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
  const problem = /** @type {HTMLElement} */ (document.getElementById('reassign-error'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const to = input('reassign-to')
      .value.split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const reason = input('reassign-reason').value.trim();
    problem.textContent =
      to.length === 0 ? 'Name who decides instead, for example user:bob.' : reason ? '' : 'Say why: they will see it.';
    if (problem.textContent) return;
    try {
      /** @type {Task} */
      const moved = await api('POST', `/v1/tasks/${encodeURIComponent(task.id)}/reassign`, { to, reason });
      done(moved);
    } catch (error) {
      problem.textContent = error instanceof ApiError ? error.message : esc(/** @type {Error} */ (error).message);
    }
  });
}
