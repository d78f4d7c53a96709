// @ts-check
/**
 * Batch decisions in the "Waiting for me" list (browser module): a checkbox beside each task, and
 * "Approve selected" / "Reject selected" (with one reason for all) for similar tasks — the same
 * type and the same outcomes. One request (`POST /v1/tasks/responses`) answers each task on its
 * own, as the task page would; what the server refused is said per task, and the list reloads.
 */
import { ApiError, api } from './session.js';
import { esc } from './words.js';
/** @import { Task } from './types.d.ts' */

/** Which tasks are ticked; kept across reloads of the list (a live update must not untick). */
const picked = new Set();
/** What the last batch did; shown until the selection changes (the list may be rendered again meanwhile by live updates). */
let lastSummary = '';
/** The reason being typed: a live update that renders the list again must not lose it. */
let reasonDraft = '';

/**
 * Whether the tasks are alike enough to answer together: the same type and the same outcomes.
 * @param {Task[]} tasks
 */
export function similar(tasks) {
  const first = tasks[0];
  if (!first) return false;
  const key = (/** @type {Task} */ t) => `${t.type}|${[...t.outcomes].sort().join(',')}`;
  return tasks.every((t) => key(t) === key(first));
}

/**
 * Adds the checkboxes and the batch bar to a rendered "Waiting for me" list.
 * @param {HTMLElement} $list the list, its cards rendered (`a.card.task[data-task]`)
 * @param {Task[]} tasks the tasks shown
 * @param {() => void} reload renders the list again after a batch
 */
export function wireBatch($list, tasks, reload) {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  for (const id of [...picked]) if (!byId.has(id)) picked.delete(id);
  if (tasks.length === 0) return;
  for (const card of /** @type {NodeListOf<HTMLElement>} */ ($list.querySelectorAll('a.card.task[data-task]'))) {
    const id = card.dataset.task || '';
    const task = byId.get(id);
    if (!task) continue;
    const row = document.createElement('div');
    row.className = 'pick-row';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.className = 'pick';
    box.dataset.pick = id;
    box.checked = picked.has(id);
    box.setAttribute('aria-label', `Select: ${task.title}`);
    card.replaceWith(row);
    row.append(box, card);
  }
  const bar = document.createElement('div');
  bar.className = 'batch-bar card';
  bar.id = 'batch-bar';
  bar.innerHTML =
    '<div class="row between"><label class="pick-all"><input type="checkbox" id="pick-all"> <span id="batch-count">Select tasks to decide them together</span></label>' +
    '<span class="actions"><button type="button" class="primary" id="batch-approve" disabled>Approve selected</button>' +
    '<button type="button" class="danger" id="batch-reject" disabled>Reject selected</button></span></div>' +
    '<label for="batch-reason" class="sr">Reason</label><input id="batch-reason" placeholder="Reason (for a rejection; every task gets it)" autocomplete="off">' +
    '<div class="error" id="batch-error" role="alert"></div><div class="muted small" id="batch-result" role="status"></div>';
  $list.prepend(bar);
  const $ = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (bar.querySelector(`#${id}`));
  const chosen = () => [...picked].map((id) => byId.get(id)).filter((t) => t !== undefined);
  const refresh = () => {
    const selection = chosen();
    const alike = similar(selection);
    const outcomes = alike ? (selection[0]?.outcomes ?? []) : [];
    $('batch-count').textContent =
      selection.length === 0
        ? 'Select tasks to decide them together'
        : `${selection.length} selected${alike ? '' : ' — pick tasks of one kind (same type and choices)'}`;
    $('batch-approve').disabled = !outcomes.includes('approve');
    $('batch-reject').disabled = !outcomes.includes('reject');
    $('pick-all').checked = selection.length === tasks.length;
  };
  // One handler however often the list is rendered again (the list element stays).
  $list.onchange = (event) => {
    const box = /** @type {HTMLInputElement} */ (event.target);
    if (box.id === 'pick-all') {
      for (const t of tasks) box.checked ? picked.add(t.id) : picked.delete(t.id);
      for (const b of /** @type {NodeListOf<HTMLInputElement>} */ ($list.querySelectorAll('input.pick')))
        b.checked = box.checked;
    } else if (box.dataset.pick) {
      box.checked ? picked.add(box.dataset.pick) : picked.delete(box.dataset.pick);
    } else return;
    lastSummary = '';
    $('batch-result').textContent = '';
    refresh();
  };
  /** @param {string} outcome */
  const send = async (outcome) => {
    const selection = chosen();
    const reason = $('batch-reason').value.trim();
    const needs = selection.some((t) => t.requireComment.includes(outcome));
    $('batch-error').textContent = needs && !reason ? `Say why (every task gets the reason) to ${outcome} them.` : '';
    if ($('batch-error').textContent) return;
    const items = selection.map((t) => ({ id: t.id, outcome, ...(reason ? { comment: reason } : {}) }));
    try {
      /** @type {{ items: { id: string, ok: boolean, error?: { message: string } }[], answered: number, failed: number }} */
      const result = await api('POST', '/v1/tasks/responses', { items });
      for (const item of result.items) if (item.ok) picked.delete(item.id);
      reasonDraft = '';
      const refused = result.items
        .filter((i) => !i.ok)
        .map((i) => `${byId.get(i.id)?.title ?? i.id}: ${i.error?.message ?? ''}`);
      const summary = `${result.answered} ${outcome === 'approve' ? 'approved' : 'rejected'}${result.failed ? `, ${result.failed} not: ${refused.join('; ')}` : ''}`;
      lastSummary = summary;
      reload();
    } catch (error) {
      $('batch-error').textContent =
        error instanceof ApiError ? error.message : esc(/** @type {Error} */ (error).message);
    }
  };
  $('batch-reason').value = reasonDraft;
  $('batch-reason').addEventListener('input', () => {
    reasonDraft = $('batch-reason').value;
  });
  $('batch-approve').addEventListener('click', () => send('approve'));
  $('batch-reject').addEventListener('click', () => send('reject'));
  $('batch-result').textContent = lastSummary;
  refresh();
}
