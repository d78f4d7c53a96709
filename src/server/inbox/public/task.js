// @ts-check
/**
 * The inbox's task page (browser module): what is asked, by whom, of whom, until when; the
 * action's arguments once (editable when the task allows it, a was/now diff once edited); the
 * context; the answer form rendered from the task's JSON Schema with inline errors; the decision
 * in words; the history as sentences that fit a phone.
 */
import { markdown } from './markdown.js';
import { reassignBlock, wireReassign } from './reassign.js';
import { standsFor } from './away.js';
import { standingBlock, wireStanding } from './standing.js';
import { formFits, formHtml, readForm, wireForm } from './schema-form.js';
import { ApiError, api, openStream } from './session.js';
import {
  ago,
  channel,
  esc,
  historyLine,
  isNegative,
  outcomeButton,
  outcomeDone,
  ownRequest,
  people,
  person,
  plain,
  sentence,
  standing,
  typeName,
  until,
} from './words.js';
/** @import { Audit, FieldSchema, FormSchema, Run, Task, TaskResult } from './types.d.ts' */
/** @import { ViewContext } from './context.d.ts' */

/**
 * The inputs of a form whose fields are all scalars.
 * @param {FormSchema} schema
 */
function fieldsFor(schema) {
  const props = schema.properties || {};
  const required = new Set(schema.required || []);
  return Object.entries(props)
    .map(([name, p], index) => {
      const label =
        esc(p.title || sentence(name)) + (required.has(name) ? ' <span class="muted">(required)</span>' : '');
      const id = `field-${index}`;
      const hint = p.description ? `<div class="muted small">${esc(p.description)}</div>` : '';
      const field = `id="${id}" data-field="${esc(name)}"`;
      let input;
      if (Array.isArray(p.enum)) {
        input = `<select ${field}><option value=""></option>${p.enum.map((v) => `<option>${esc(v)}</option>`).join('')}</select>`;
      } else if (p.type === 'boolean') input = `<input type="checkbox" ${field}>`;
      else if (p.type === 'integer' || p.type === 'number') {
        input = `<input type="number" inputmode="decimal" step="${p.type === 'integer' ? '1' : 'any'}" ${field}>`;
      } else if ((p.maxLength || 0) > 200) input = `<textarea ${field} rows="4"></textarea>`;
      else input = `<input type="text" ${field}>`;
      return `<label for="${id}">${label}</label>${hint}${input}<div class="field-error" data-error-for="${esc(name)}"></div>`;
    })
    .join('');
}

/**
 * What the form's inputs hold, typed as the schema says.
 * @param {FormSchema} schema
 */
function formData(schema) {
  /** @type {Record<string, unknown>} */
  const data = {};
  for (const [index, [name, p]] of Object.entries(schema.properties || {}).entries()) {
    const el = /** @type {HTMLInputElement | null} */ (document.getElementById(`field-${index}`));
    if (!el) continue;
    if (p.type === 'boolean') data[name] = el.checked;
    else if (el.value === '') continue;
    else if (p.type === 'integer' || p.type === 'number') data[name] = Number(el.value);
    else data[name] = el.value;
  }
  return data;
}

/**
 * An object's fields as a definition list (the action's arguments, the context).
 * @param {unknown} value
 * @param {string} [id]
 */
function fields(value, id) {
  const idAttr = id ? ` id="${id}"` : '';
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return `<pre${idAttr}>${esc(JSON.stringify(value, null, 2))}</pre>`;
  }
  return `<dl class="fields"${idAttr}>${Object.entries(value)
    .map(
      ([k, v]) =>
        `<div><dt>${esc(sentence(k))}</dt><dd>${v !== null && typeof v === 'object' ? `<code>${esc(JSON.stringify(v))}</code>` : esc(plain(v))}</dd></div>`,
    )
    .join('')}</dl>`;
}

/**
 * The arguments as they were asked and as they were approved: one row per changed field.
 * @param {NonNullable<TaskResult['edit']>} edit
 */
function diff(edit) {
  return `<table class="diff" id="diff"><thead><tr><th>Field</th><th>Was</th><th>Now</th></tr></thead><tbody>${edit.changes
    .map(
      (c) =>
        `<tr><td>${esc(c.path)}</td><td><del>${esc(plain(c.from))}</del></td><td><ins>${esc(plain(c.to))}</ins></td></tr>`,
    )
    .join('')}</tbody></table>`;
}

/**
 * The action block: arguments once — editable, plain, or as a diff once edited. Editable
 * arguments are a form built from the action's schema when it has one the form can draw, with
 * a switch to JSON; else JSON (see `schema-form.js`).
 * @param {Task} task
 * @param {boolean} editable
 */
function actionBlock(task, editable) {
  if (!task.action) return '';
  const edit = task.result?.edit;
  const title = `<h3>What will happen</h3><p class="tool"><code>${esc(task.action.tool)}</code></p>`;
  if (editable && task.allowEdit) {
    const args = task.action.args || {};
    const schema = task.action.schema;
    const asForm = formFits(schema, args);
    const json = `<textarea id="args" rows="${Math.min(12, 2 + Object.keys(args).length)}" spellcheck="false" aria-label="Arguments (JSON)">${esc(JSON.stringify(args, null, 2))}</textarea>`;
    return (
      `${title}<div class="args-editor" id="args-editor" data-mode="${asForm ? 'form' : 'json'}">` +
      `<div class="row between"><span class="label">Arguments <span class="muted">(you may change them before you answer)</span></span>` +
      (asForm ? '<button type="button" class="link" id="args-mode">Edit as JSON</button>' : '') +
      '</div>' +
      (asForm
        ? `<div id="args-form">${formHtml(schema, args, 'args')}</div><div id="args-json" hidden>${json}</div>`
        : json) +
      '<div class="field-error" data-error-for="args"></div></div>'
    );
  }
  if (edit?.changes?.length) {
    return `<h3>What happened</h3><p class="tool"><code>${esc(task.action.tool)}</code>, with the arguments changed:</p>${diff(edit)}`;
  }
  return title + fields(task.result?.args ? task.result.args : task.action.args, 'action');
}

/**
 * The decision box: who decided what, via which channel, with their comment.
 * @param {Task} task
 * @param {string} me
 */
function decision(task, me) {
  const r = task.result;
  if (!r) return '';
  // Rejections, refusals, failures and send-backs are red like an expiry: never coloured like a success.
  const good = ['approve', 'submit', 'done', 'answer'].includes(r.outcome ?? '');
  const bad = isNegative(r.outcome, task.status) || task.status !== 'resolved';
  const line =
    task.status === 'resolved' && r.by !== 'system'
      ? `${sentence(outcomeDone(r.outcome))} by ${person(r.by, me)}${r.via ? ` via ${channel(r.via)}` : ''}, ${ago(r.at)}`
      : sentence(standing(task, me));
  return (
    `<div class="decision ${good ? 'good' : bad ? 'bad' : ''}" id="result"><strong>${esc(line)}</strong>` +
    (r.comment ? `<blockquote>${esc(r.comment)}</blockquote>` : '') +
    (r.data && typeof r.data === 'object' && !task.action ? fields(r.data) : '') +
    '<div class="muted small" id="run-status"></div></div>'
  );
}

/**
 * A staged approval: which stage decides now, and who approved the earlier ones.
 * @param {Task} task
 * @param {string} me
 */
function stageLine(task, me) {
  if (!task.stages || task.stage === null) return '';
  const now = task.stages[task.stage];
  const earlier = task.stages
    .slice(0, task.stage)
    .map((s, i) => `stage ${i + 1} (${esc(s.name)}) approved by ${esc(people(s.approvedBy, me))}`);
  return `<p class="small" id="stage-line"><strong>Stage ${task.stage + 1} of ${task.stages.length}</strong> (${esc(now ? now.name : '')})${earlier.length ? ` · ${earlier.join(' · ')}` : ''}</p>`;
}

/**
 * The history, one sentence an entry, and whether the audit chain holds.
 * @param {Audit} audit
 * @param {string} me
 */
function history(audit, me) {
  return (
    `<h3>History</h3><ol class="history" id="history">${audit.items
      .map(
        (e) =>
          `<li><span>${esc(historyLine(e, me))}</span> <time class="muted small" datetime="${new Date(e.at).toISOString()}" title="${esc(new Date(e.at).toLocaleString())}">${ago(e.at)}</time></li>`,
      )
      .join('')}</ol>` +
    `<p class="muted small" id="audit-check">${audit.verification.ok ? 'Every step is recorded in a tamper-evident log ✓' : `The record has been tampered with: ${esc(audit.verification.problems.join('; '))}`}</p>`
  );
}

/** @type {Record<string, string>} */
const RUN_WORDS = {
  pending: 'The agent goes on in a moment',
  running: 'The agent is working on it',
  waiting: 'The agent is waiting',
  succeeded: 'The agent went on and finished',
  failed: 'The agent stopped with an error',
  cancelled: 'The agent was stopped',
};
/** @type {AbortController | undefined} */
let following;
/**
 * Shows what the agent that asked did next, live: its run's event stream (pushed by the server)
 * until the run ends. Only the run's initiator may see it; for anyone else this shows nothing.
 * @param {string} runId
 */
async function watchRun(runId) {
  following?.abort();
  const controller = new AbortController();
  following = controller;
  /** @param {string} status */
  const show = (status) => {
    const el = document.getElementById('run-status');
    if (el) {
      el.innerHTML = `<span class="badge ${esc(status)}" id="run-badge">${esc(RUN_WORDS[status] || sentence(status))}</span>`;
    }
  };
  try {
    /** @type {Run} */
    const run = await api('GET', `/v1/runs/${encodeURIComponent(runId)}`);
    show(run.status);
    if (['succeeded', 'failed', 'cancelled'].includes(run.status)) return;
    const response = await openStream(`/v1/runs/${encodeURIComponent(runId)}/events`, controller.signal);
    if (!response.ok || !response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done || !document.getElementById('run-status')) break;
      text += decoder.decode(value, { stream: true });
      const ended = /event: run\.(succeeded|failed|cancelled)/.exec(text);
      if (ended?.[1]) {
        show(ended[1]);
        break;
      }
      if (/event: task\.ended/.test(text)) show('running');
      const cut = text.lastIndexOf('\n\n');
      if (cut >= 0) text = text.slice(cut + 2);
    }
    controller.abort();
  } catch {
    // Not the caller's run (404), or the page moved on: nothing to show.
  }
}

/**
 * Whether a form is flat enough for inputs (every field a scalar or a choice).
 * @param {FormSchema | null} form
 * @returns {form is FormSchema}
 */
function isScalarForm(form) {
  return Boolean(
    form &&
      form.type === 'object' &&
      form.properties &&
      Object.values(form.properties).every(
        (p) => ['string', 'number', 'integer', 'boolean'].includes(p.type ?? '') || Array.isArray(p.enum),
      ),
  );
}

/**
 * Renders the task page into `ctx.view`.
 * @param {ViewContext} ctx
 * @param {string} id
 */
export async function renderTask(ctx, id) {
  /** @type {Task} */
  let task;
  /** @type {Audit} */
  let audit;
  try {
    [task, audit] = await Promise.all([
      api('GET', `/v1/tasks/${encodeURIComponent(id)}`),
      api('GET', `/v1/tasks/${encodeURIComponent(id)}/audit`),
    ]);
  } catch (error) {
    const message =
      error instanceof ApiError && error.status === 404
        ? 'This task does not exist, or you may not see it.'
        : /** @type {Error} */ (error).message;
    ctx.view.innerHTML = `<p class="error">${esc(message)}</p><p><a href="#/">Back to the inbox</a></p>`;
    return;
  }
  const who = ctx.who();
  const me = who.principal;
  const pending = task.status === 'pending';
  const form = /** @type {FormSchema | null} */ (task.form);
  const scalarForm = isScalarForm(form);
  const asked = task.assignees.map((a) => a.principal);
  // Whoever asked for an approval, review or override may not answer it (four-eyes): no buttons
  // that the server would refuse, but who decides instead.
  const own = pending && ownRequest(task, who.identities);
  const deciders = asked.filter((p) => !who.identities.includes(p));
  const answerForm = own
    ? `<p class="muted" id="own-request">You asked for this, so you may not answer it yourself: ${esc(deciders.length ? people(deciders, me) : 'someone else')} ${deciders.length > 1 ? 'decide' : 'decides'}.</p>`
    : pending
      ? '<form id="answer" novalidate>' +
        (form
          ? scalarForm
            ? fieldsFor(form)
            : '<label for="field-json">Your answer (JSON)</label><textarea id="field-json" rows="6"></textarea><div class="field-error" data-error-for=""></div>'
          : '') +
        `<label for="comment">Comment${task.requireComment.length ? ` <span class="muted">(needed to ${esc(task.requireComment.map((o) => outcomeButton(o).toLowerCase()).join(' or '))})</span>` : ' <span class="muted">(optional)</span>'}</label><textarea id="comment" rows="2"></textarea><div class="field-error" data-error-for="comment"></div>` +
        `<div class="actions">${task.outcomes
          .map(
            (o, i) =>
              `<button type="button" class="${i === 0 ? 'primary' : task.requireComment.includes(o) ? 'danger' : ''}" data-outcome="${esc(o)}">${esc(outcomeButton(o))}</button>`,
          )
          .join('')}</div>` +
        '<div class="error" id="form-error" role="alert"></div></form>'
      : '';
  ctx.view.innerHTML =
    `<p class="back"><a href="${esc(ctx.backTo())}">← Back</a></p><article class="card" id="task" data-status="${esc(task.status)}">` +
    `<div class="row between"><span class="chip">${esc(typeName(task.type))}</span>` +
    // Once decided, the decision box below says it (once).
    (pending ? `<span class="standing pending" id="status">${esc(standing(task, me, who.identities))}</span>` : '') +
    '</div>' +
    `<h2>${esc(task.title)}</h2>` +
    `<p class="muted small" id="asked-line">Asked ${task.requester ? `by ${esc(person(task.requester, me))} ` : task.askedBy ? 'by an agent ' : ''}${ago(task.createdAt)}` +
    ` · for ${esc(people(asked, me))}${pending && standsFor(task, me, who.identities) ? ` <span class="stands-for" id="stands-for">(${esc(standsFor(task, me, who.identities))})</span>` : ''}${task.deadline && pending ? ` · due ${until(task.deadline)} (${esc(new Date(task.deadline).toLocaleString())})` : ''}` +
    `${task.escalationLevel ? ' · escalated' : ''}</p>` +
    stageLine(task, me) +
    (task.policy
      ? `<p class="muted small" id="policy-line">Approval policy “${esc(task.policy.name)}” (version ${esc(task.policy.version)})${task.policy.businessHours ? ' · reminders and escalations count working hours' : ''}</p>`
      : '') +
    (task.description ? `<div class="md">${markdown(task.description)}</div>` : '') +
    actionBlock(task, pending && !own) +
    (task.payload !== null && task.payload !== undefined ? `<h3>Context</h3>${fields(task.payload)}` : '') +
    decision(task, me) +
    answerForm +
    reassignBlock(task, own ? [] : who.identities) +
    standingBlock(task, me) +
    history(audit, me) +
    '</article>';

  if (task.askedBy) watchRun(task.askedBy);
  const answer = /** @type {HTMLFormElement | null} */ (document.getElementById('answer'));
  const editor = document.getElementById('args-editor');
  if (editor && task.action) wireArgs(editor, task);
  if (answer) listen(ctx, task, answer, form, scalarForm);
  wireStanding(task);
  wireReassign(task, (moved) => {
    const to = people(
      moved.assignees.map((a) => a.principal),
      me,
    );
    ctx.view.innerHTML = `<p class="notice" id="reassigned">Handed to ${esc(to)}. They have been told.</p><p><a href="${esc(ctx.backTo())}">← Back</a></p>`;
  });
}

/**
 * The arguments editor's switch between the form and JSON: what one holds goes to the other.
 * Going back to the form needs valid JSON that the form can show.
 * @param {HTMLElement} editor
 * @param {Task} task
 */
function wireArgs(editor, task) {
  const button = document.getElementById('args-mode');
  const formSlot = document.getElementById('args-form');
  const jsonSlot = document.getElementById('args-json');
  const box = /** @type {HTMLTextAreaElement | null} */ (document.getElementById('args'));
  const slot = editor.querySelector('[data-error-for="args"]');
  if (!button || !formSlot || !jsonSlot || !box || !task.action) return;
  const schema = task.action.schema;
  wireForm(formSlot);
  let shown = task.action.args;
  button.addEventListener('click', () => {
    if (slot) slot.textContent = '';
    if (editor.dataset.mode === 'form') {
      if (formFits(schema, shown)) shown = readForm(formSlot, schema, shown, 'args').value;
      box.value = JSON.stringify(shown, null, 2);
      formSlot.hidden = true;
      jsonSlot.hidden = false;
      editor.dataset.mode = 'json';
      button.textContent = 'Edit as a form';
      box.focus();
      return;
    }
    /** @type {unknown} */
    let value;
    try {
      value = JSON.parse(box.value);
    } catch {
      if (slot) slot.textContent = 'That is not valid JSON: correct it to go back to the form.';
      return;
    }
    if (!formFits(schema, value)) {
      if (slot) slot.textContent = 'The form cannot show these arguments: edit them as JSON.';
      return;
    }
    shown = /** @type {Record<string, unknown>} */ (value);
    formSlot.innerHTML = formFits(schema, shown) ? formHtml(schema, shown, 'args') : '';
    formSlot.hidden = false;
    jsonSlot.hidden = true;
    editor.dataset.mode = 'form';
    button.textContent = 'Edit as JSON';
  });
}

/**
 * The arguments the approver leaves, from the form or the JSON, with the form's own checks.
 * @param {Task} task
 * @returns {{ args?: Record<string, unknown>, issues: { path: string, message: string }[], json?: boolean }}
 */
function editedArgs(task) {
  const editor = document.getElementById('args-editor');
  if (!editor || !task.action) return { issues: [] };
  if (editor.dataset.mode === 'form') {
    const formSlot = /** @type {HTMLElement} */ (document.getElementById('args-form'));
    if (!formFits(task.action.schema, task.action.args)) return { issues: [] };
    const { value, issues } = readForm(formSlot, task.action.schema, task.action.args, 'args');
    return { args: value, issues };
  }
  const box = /** @type {HTMLTextAreaElement} */ (document.getElementById('args'));
  try {
    const value = JSON.parse(box.value);
    return { args: value, issues: [] };
  } catch {
    return { issues: [{ path: 'args', message: 'That is not valid JSON.' }], json: true };
  }
}

/**
 * A problem of a field as the JSON editor shows it: "amount must be > 0".
 * @param {{ path: string, message: string }} issue
 */
function underJson(issue) {
  const field = issue.path.replace(/^args\.?/, '');
  return { path: 'args', message: field ? `${field} ${issue.message}` : issue.message };
}

/**
 * Puts each problem beside its field (the nearest one that has a slot: `args.tags.2` goes to
 * `args.tags`), and marks the field invalid.
 * @param {ParentNode} root
 * @param {{ path: string, message: string }[]} issues
 */
function showArgIssues(root, issues) {
  // Edited as JSON: every problem goes under the JSON, naming its field.
  const json = document.getElementById('args-editor')?.dataset.mode !== 'form';
  for (const issue of json ? issues.map(underJson) : issues) {
    let path = issue.path;
    let slot = root.querySelector(`[data-error-for="${CSS.escape(path)}"]`);
    while (!slot && path.includes('.')) {
      path = path.slice(0, path.lastIndexOf('.'));
      slot = root.querySelector(`[data-error-for="${CSS.escape(path)}"]`);
    }
    if (!slot) continue;
    slot.textContent = (slot.textContent ? `${slot.textContent}; ` : '') + issue.message;
    const input = slot.previousElementSibling;
    if (input instanceof HTMLElement && input.matches('input, select, textarea, fieldset'))
      input.classList.add('invalid');
  }
}

/**
 * Sends the answer a button names, with what the form holds; shows the server's refusals beside
 * the fields they are about.
 * @param {ViewContext} ctx
 * @param {Task} task
 * @param {HTMLFormElement} answer
 * @param {FormSchema | null} form
 * @param {boolean} scalarForm
 */
function listen(ctx, task, answer, form, scalarForm) {
  const byId = /** @param {string} id */ (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
  const formError = byId('form-error');
  answer.addEventListener('click', async (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const outcome = target?.dataset?.outcome;
    if (!outcome) return;
    for (const el of answer.querySelectorAll('.field-error')) el.textContent = '';
    for (const el of answer.querySelectorAll('.invalid')) el.classList.remove('invalid');
    formError.textContent = '';
    const editor = document.getElementById('args-editor');
    for (const el of editor ? editor.querySelectorAll('.field-error') : []) el.textContent = '';
    for (const el of editor ? editor.querySelectorAll('.invalid') : []) el.classList.remove('invalid');
    /** @type {{ outcome: string, comment?: string, data?: unknown, args?: Record<string, unknown> }} */
    const body = { outcome };
    const commentBox = byId('comment');
    const comment = commentBox.value.trim();
    if (comment) body.comment = comment;
    if (task.requireComment.includes(outcome) && !comment) {
      const slot = answer.querySelector('[data-error-for="comment"]');
      if (slot) slot.textContent = 'Say why: the agent reads your reason.';
      commentBox.classList.add('invalid');
      commentBox.focus();
      return;
    }
    try {
      if (form && !task.requireComment.includes(outcome)) {
        body.data = scalarForm ? formData(form) : JSON.parse(byId('field-json').value || 'null');
      }
    } catch {
      formError.textContent = 'That is not valid JSON.';
      return;
    }
    // Edited arguments count for an approval only (a rejection sends none: nothing to check).
    const edited = task.requireComment.includes(outcome) ? { issues: [] } : editedArgs(task);
    if (edited.issues.length > 0) {
      showArgIssues(document, edited.issues);
      formError.textContent = edited.json
        ? 'That is not valid JSON.'
        : 'Some arguments are not valid: see the messages above.';
      document
        .querySelector('#args-editor .invalid, #args-editor [data-error-for]:not(:empty)')
        ?.scrollIntoView({ block: 'center' });
      return;
    }
    if (edited.args && task.action && JSON.stringify(edited.args) !== JSON.stringify(task.action.args)) {
      body.args = edited.args;
    }
    const buttons = answer.querySelectorAll('button');
    for (const button of buttons) button.disabled = true;
    try {
      await api('POST', `/v1/tasks/${encodeURIComponent(task.id)}/responses`, body);
      await renderTask(ctx, task.id);
    } catch (error) {
      for (const button of buttons) button.disabled = false;
      formError.textContent = /** @type {Error} */ (error).message;
      const issues = error instanceof ApiError ? error.issues : [];
      showArgIssues(
        document,
        issues.filter((i) => i.path.startsWith('args')),
      );
      for (const issue of issues) {
        if (issue.path.startsWith('args')) continue;
        const key = issue.path.split('.')[0] ?? '';
        const slot = answer.querySelector(`[data-error-for="${CSS.escape(key)}"]`);
        if (slot) slot.textContent = (slot.textContent ? `${slot.textContent}; ` : '') + issue.message;
        const index = Object.keys(form?.properties || {}).indexOf(key);
        const input = document.getElementById(`field-${index}`);
        if (input) input.classList.add('invalid');
      }
    }
  });
}
