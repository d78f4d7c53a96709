/**
 * The inbox's task page (browser module, served at `/inbox/task.js`): what is asked, by whom, of
 * whom, until when; the action's arguments once (editable when the task allows it, a was/now diff
 * once edited); the context; the answer form rendered from the task's JSON Schema with inline
 * errors; the decision in words; the history as sentences that fit a phone.
 */
export const TASK_SCRIPT = String.raw`
import { ago, channel, esc, historyLine, outcomeButton, outcomeDone, people, person, plain, sentence, standing, typeName, until } from '/inbox/words.js';

function fieldsFor(schema) {
  const props = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  return Object.entries(props).map(([name, p], index) => {
    const label = esc(p.title || sentence(name)) + (required.has(name) ? ' <span class="muted">(required)</span>' : '');
    const id = 'field-' + index;
    const hint = p.description ? '<div class="muted small">' + esc(p.description) + '</div>' : '';
    let input;
    if (Array.isArray(p.enum)) input = '<select id="' + id + '" data-field="' + esc(name) + '"><option value=""></option>' + p.enum.map((v) => '<option>' + esc(v) + '</option>').join('') + '</select>';
    else if (p.type === 'boolean') input = '<input type="checkbox" id="' + id + '" data-field="' + esc(name) + '">';
    else if (p.type === 'integer' || p.type === 'number') input = '<input type="number" inputmode="decimal" step="' + (p.type === 'integer' ? '1' : 'any') + '" id="' + id + '" data-field="' + esc(name) + '">';
    else if ((p.maxLength || 0) > 200) input = '<textarea id="' + id + '" data-field="' + esc(name) + '" rows="4"></textarea>';
    else input = '<input type="text" id="' + id + '" data-field="' + esc(name) + '">';
    return '<label for="' + id + '">' + label + '</label>' + hint + input + '<div class="field-error" data-error-for="' + esc(name) + '"></div>';
  }).join('');
}

function formData(schema) {
  const data = {};
  for (const [index, [name, p]] of Object.entries((schema && schema.properties) || {}).entries()) {
    const el = document.getElementById('field-' + index);
    if (!el) continue;
    if (p.type === 'boolean') data[name] = el.checked;
    else if (el.value === '') continue;
    else if (p.type === 'integer' || p.type === 'number') data[name] = Number(el.value);
    else data[name] = el.value;
  }
  return data;
}

/** An object's fields as a definition list (the action's arguments, the context). */
function fields(value, id) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return '<pre' + (id ? ' id="' + id + '"' : '') + '>' + esc(JSON.stringify(value, null, 2)) + '</pre>';
  return '<dl class="fields"' + (id ? ' id="' + id + '"' : '') + '>' + Object.entries(value).map(([k, v]) =>
    '<div><dt>' + esc(sentence(k)) + '</dt><dd>' + (v !== null && typeof v === 'object' ? '<code>' + esc(JSON.stringify(v)) + '</code>' : esc(plain(v))) + '</dd></div>').join('') + '</dl>';
}

/** The arguments as they were asked and as they were approved: one row per changed field. */
function diff(edit) {
  return '<table class="diff" id="diff"><thead><tr><th>Field</th><th>Was</th><th>Now</th></tr></thead><tbody>' +
    edit.changes.map((c) => '<tr><td>' + esc(c.path) + '</td><td><del>' + esc(plain(c.from)) + '</del></td><td><ins>' + esc(plain(c.to)) + '</ins></td></tr>').join('') + '</tbody></table>';
}

/** The action block: arguments once — editable, plain, or as a diff once edited. */
function actionBlock(task, pending) {
  if (!task.action) return '';
  const edit = task.result && task.result.edit;
  const title = '<h3>What will happen</h3><p class="tool"><code>' + esc(task.action.tool) + '</code></p>';
  if (pending && task.allowEdit) {
    return title + '<label for="args">Arguments <span class="muted">(you may change them before you answer)</span></label>' +
      '<textarea id="args" rows="' + Math.min(12, 2 + Object.keys(task.action.args || {}).length) + '" spellcheck="false">' + esc(JSON.stringify(task.action.args, null, 2)) + '</textarea><div class="field-error" data-error-for="args"></div>';
  }
  if (edit && edit.changes && edit.changes.length) return '<h3>What happened</h3><p class="tool"><code>' + esc(task.action.tool) + '</code>, with the arguments changed:</p>' + diff(edit);
  return title + fields(task.result && task.result.args ? task.result.args : task.action.args, 'action');
}

function decision(task, me) {
  const r = task.result;
  if (!r) return '';
  const good = ['approve', 'submit', 'done', 'answer'].includes(r.outcome);
  const bad = ['reject', 'deny', 'failed'].includes(r.outcome) || task.status !== 'resolved';
  const line = task.status === 'resolved' && r.by !== 'system' ? sentence(outcomeDone(r.outcome)) + ' by ' + person(r.by, me) + (r.via ? ' via ' + channel(r.via) : '') + ', ' + ago(r.at)
    : sentence(standing(task, me));
  return '<div class="decision ' + (good ? 'good' : bad ? 'bad' : '') + '" id="result"><strong>' + esc(line) + '</strong>' +
    (r.comment ? '<blockquote>' + esc(r.comment) + '</blockquote>' : '') +
    (r.data && typeof r.data === 'object' && !task.action ? fields(r.data) : '') +
    '<div class="muted small" id="run-status"></div></div>';
}

/** A staged approval: which stage decides now, and who approved the earlier ones. */
function stageLine(task, me) {
  if (!task.stages || task.stage === null) return '';
  const now = task.stages[task.stage];
  const earlier = task.stages.slice(0, task.stage).map((s, i) => 'stage ' + (i + 1) + ' (' + esc(s.name) + ') approved by ' + esc(people(s.approvedBy, me)));
  return '<p class="small" id="stage-line"><strong>Stage ' + (task.stage + 1) + ' of ' + task.stages.length + '</strong> (' + esc(now ? now.name : '') + ')' + (earlier.length ? ' · ' + earlier.join(' · ') : '') + '</p>';
}

function history(audit, me) {
  return '<h3>History</h3><ol class="history" id="history">' + audit.items.map((e) =>
    '<li><span>' + esc(historyLine(e, me)) + '</span> <time class="muted small" datetime="' + new Date(e.at).toISOString() + '" title="' + esc(new Date(e.at).toLocaleString()) + '">' + ago(e.at) + '</time></li>').join('') + '</ol>' +
    '<p class="muted small" id="audit-check">' + (audit.verification.ok ? 'Every step is recorded in a tamper-evident log ✓' : 'The record has been tampered with: ' + esc(audit.verification.problems.join('; '))) + '</p>';
}

const RUN_WORDS = {
  pending: 'The agent goes on in a moment',
  running: 'The agent is working on it',
  waiting: 'The agent is waiting',
  succeeded: 'The agent went on and finished',
  failed: 'The agent stopped with an error',
  cancelled: 'The agent was stopped',
};
let following;
/**
 * Shows what the agent that asked did next, live: its run's event stream (pushed by the server)
 * until the run ends. Only the run's initiator may see it; for anyone else this shows nothing.
 */
async function watchRun(ctx, runId) {
  following?.abort();
  const controller = new AbortController();
  following = controller;
  const show = (status) => {
    const el = document.getElementById('run-status');
    if (el) el.innerHTML = '<span class="badge ' + esc(status) + '" id="run-badge">' + esc(RUN_WORDS[status] || sentence(status)) + '</span>';
  };
  try {
    const run = await ctx.api('GET', '/v1/runs/' + encodeURIComponent(runId));
    show(run.status);
    if (['succeeded', 'failed', 'cancelled'].includes(run.status)) return;
    const response = await ctx.open('/v1/runs/' + encodeURIComponent(runId) + '/events', controller.signal);
    if (!response.ok || !response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done || !document.getElementById('run-status')) break;
      text += decoder.decode(value, { stream: true });
      const ended = /event: run\.(succeeded|failed|cancelled)/.exec(text);
      if (ended) {
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

/** Renders the task page into \`ctx.view\`. */
export async function renderTask(ctx, id) {
  let task, audit;
  try {
    [task, audit] = await Promise.all([ctx.api('GET', '/v1/tasks/' + encodeURIComponent(id)), ctx.api('GET', '/v1/tasks/' + encodeURIComponent(id) + '/audit')]);
  } catch (error) {
    ctx.view.innerHTML = '<p class="error">' + esc(error.status === 404 ? 'This task does not exist, or you may not see it.' : error.message) + '</p><p><a href="#/">Back to the inbox</a></p>';
    return;
  }
  const who = ctx.who();
  const me = who.principal;
  const pending = task.status === 'pending';
  const scalarForm = task.form && task.form.type === 'object' && task.form.properties &&
    Object.values(task.form.properties).every((p) => ['string', 'number', 'integer', 'boolean'].includes(p.type) || Array.isArray(p.enum));
  const asked = task.assignees.map((a) => a.principal);
  ctx.view.innerHTML = '<p class="back"><a href="' + esc(ctx.backTo()) + '">← Back</a></p><article class="card" id="task" data-status="' + esc(task.status) + '">' +
    '<div class="row between"><span class="chip">' + esc(typeName(task.type)) + '</span>' +
    // Once decided, the decision box below says it (once).
    (pending ? '<span class="standing pending" id="status">' + esc(standing(task, me, who.identities)) + '</span>' : '') + '</div>' +
    '<h2>' + esc(task.title) + '</h2>' +
    '<p class="muted small" id="asked-line">Asked ' + (task.requester ? 'by ' + esc(person(task.requester, me)) + ' ' : task.askedBy ? 'by an agent ' : '') + ago(task.createdAt) +
    ' · for ' + esc(people(asked, me)) + (task.deadline && pending ? ' · due ' + until(task.deadline) + ' (' + esc(new Date(task.deadline).toLocaleString()) + ')' : '') +
    (task.escalationLevel ? ' · escalated' : '') + '</p>' +
    stageLine(task, me) +
    (task.policy ? '<p class="muted small" id="policy-line">Approval policy “' + esc(task.policy.name) + '” (version ' + esc(task.policy.version) + ')</p>' : '') +
    (task.description ? '<div class="md">' + ctx.marked.parse(task.description) + '</div>' : '') +
    actionBlock(task, pending) +
    (task.payload !== null && task.payload !== undefined ? '<h3>Context</h3>' + fields(task.payload) : '') +
    decision(task, me) +
    (pending ? '<form id="answer" novalidate>' +
      (task.form ? (scalarForm ? fieldsFor(task.form) : '<label for="field-json">Your answer (JSON)</label><textarea id="field-json" rows="6"></textarea><div class="field-error" data-error-for=""></div>') : '') +
      '<label for="comment">Comment' + (task.requireComment.length ? ' <span class="muted">(needed to ' + esc(task.requireComment.map((o) => outcomeButton(o).toLowerCase()).join(' or ')) + ')</span>' : ' <span class="muted">(optional)</span>') + '</label><textarea id="comment" rows="2"></textarea><div class="field-error" data-error-for="comment"></div>' +
      '<div class="actions">' + task.outcomes.map((o, i) => '<button type="button" class="' + (i === 0 ? 'primary' : task.requireComment.includes(o) ? 'danger' : '') + '" data-outcome="' + esc(o) + '">' + esc(outcomeButton(o)) + '</button>').join('') + '</div>' +
      '<div class="error" id="form-error" role="alert"></div></form>' : '') +
    history(audit, me) + '</article>';

  if (task.askedBy) watchRun(ctx, task.askedBy);
  const form = document.getElementById('answer');
  if (!form) return;
  form.addEventListener('click', async (event) => {
    const outcome = event.target && event.target.dataset && event.target.dataset.outcome;
    if (!outcome) return;
    for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
    for (const el of form.querySelectorAll('.invalid')) el.classList.remove('invalid');
    document.getElementById('form-error').textContent = '';
    const body = { outcome };
    const comment = document.getElementById('comment').value.trim();
    if (comment) body.comment = comment;
    if (task.requireComment.includes(outcome) && !comment) {
      form.querySelector('[data-error-for="comment"]').textContent = 'Say why: the agent reads your reason.';
      document.getElementById('comment').classList.add('invalid');
      document.getElementById('comment').focus();
      return;
    }
    try {
      if (task.form && !task.requireComment.includes(outcome)) {
        body.data = scalarForm ? formData(task.form) : JSON.parse(document.getElementById('field-json').value || 'null');
      }
      const argsBox = document.getElementById('args');
      if (argsBox) {
        const edited = JSON.parse(argsBox.value);
        if (JSON.stringify(edited) !== JSON.stringify(task.action.args)) body.args = edited;
      }
    } catch {
      document.getElementById('form-error').textContent = 'That is not valid JSON.';
      return;
    }
    for (const button of form.querySelectorAll('button')) button.disabled = true;
    try {
      await ctx.api('POST', '/v1/tasks/' + encodeURIComponent(task.id) + '/responses', body);
      await renderTask(ctx, task.id);
    } catch (error) {
      for (const button of form.querySelectorAll('button')) button.disabled = false;
      document.getElementById('form-error').textContent = error.message;
      for (const issue of error.issues || []) {
        const key = issue.path.startsWith('args') ? 'args' : issue.path.split('.')[0];
        const slot = form.querySelector('[data-error-for="' + CSS.escape(key) + '"]') || (key === 'args' ? document.querySelector('[data-error-for="args"]') : null);
        if (slot) slot.textContent = (slot.textContent ? slot.textContent + '; ' : '') + issue.message;
        const index = Object.keys((task.form && task.form.properties) || {}).indexOf(key);
        const input = document.getElementById(key === 'args' ? 'args' : 'field-' + index);
        if (input) input.classList.add('invalid');
      }
    }
  });
}
`;
