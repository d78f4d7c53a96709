/**
 * The web inbox's browser script (plain JavaScript, served at `/inbox.js`). Hash routes: `#/` the
 * pending tasks of the signed-in principal, live-updated over SSE; `#/task/ID` one task with its
 * description (markdown), payload, action and edited-args diff, deadline, escalation level,
 * history, and an answer form rendered from the task's JSON Schema with inline errors.
 */
export const INBOX_SCRIPT = String.raw`
import { marked } from '/inbox/marked.js';

marked.use({
  renderer: { html: (token) => esc(token.text ?? token.raw ?? '') },
  // Links and images may only point at http(s) and mailto: no javascript: in a description.
  walkTokens: (token) => {
    if ((token.type === 'link' || token.type === 'image') && !/^(https?:|mailto:)/i.test(String(token.href || '').trim())) token.href = '#';
  },
});
const $view = document.getElementById('view');
const $who = document.getElementById('who');
const me = { principal: localStorage.getItem('heed.principal') || '', key: localStorage.getItem('heed.key') || '' };

function esc(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
function ago(ms) {
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 60) return s + 's ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return new Date(ms).toLocaleString();
}
function until(ms) {
  const s = Math.round((ms - Date.now()) / 1000);
  if (s <= 0) return 'passed';
  if (s < 3600) return 'in ' + Math.ceil(s / 60) + ' min';
  return 'in ' + Math.round(s / 3600) + ' h';
}
/** Every request carries the signed-in credentials: the API key, or (development mode) the principal. */
function credentials() {
  const headers = {};
  if (me.key) headers.authorization = 'Bearer ' + me.key;
  else if (me.principal) headers['x-heed-principal'] = me.principal;
  return headers;
}
/** fetch with credentials; a non-2xx answer throws an Error carrying the server's code and message. */
async function send(method, path, body, extra) {
  const headers = Object.assign(credentials(), extra || {});
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) {
    const json = await response.json().catch(() => ({}));
    throw Object.assign(new Error(json.error?.message || (response.status + ' ' + response.statusText)), { code: json.error?.code, status: response.status, issues: json.error?.issues || [] });
  }
  return response;
}
async function api(method, path, body) {
  const response = await send(method, path, body, { 'x-heed-via': 'inbox' });
  return response.json().catch(() => ({}));
}

/** Who the server says the credentials belong to (GET /v1/me), shown in the header. */
let whoami = null;
async function renderWho() {
  if (!me.principal && !me.key) {
    $who.innerHTML = '<a href="#/signin">Sign in</a>';
    return;
  }
  try {
    whoami = await api('GET', '/v1/me');
    $who.innerHTML = '<a href="#/chat">Chat</a> · <a href="#/agents">Agents</a> · Signed in as <strong id="principal-name">' + esc(whoami.principal) + '</strong>' +
      (whoami.admin ? ' <span class="badge">admin</span>' : '') + ' · <a href="#/signin">switch</a>';
  } catch (error) {
    whoami = null;
    $who.innerHTML = '<span class="error" id="who-error">' + esc(error.message) + '</span> · <a href="#/signin">sign in again</a>';
  }
}

function signIn() {
  $view.innerHTML = '<div class="card"><h2>Who are you?</h2>' +
    '<p class="muted">Development mode: name your principal. With API keys configured, paste your key instead.</p>' +
    (document.body.dataset.approvers ? '<p class="muted" id="approver-hint">The demo agents ask <strong>' + esc(document.body.dataset.approvers) + '</strong> to approve transfers over $100: sign in as that principal to approve; the customer who asked can not approve their own transfer.</p>' : '') +
    '<form id="signin"><label for="principal">Principal</label><input id="principal" placeholder="user:alice" value="' + esc(me.principal) + '">' +
    '<label for="key">API key (optional)</label><input id="key" type="password" value="' + esc(me.key) + '">' +
    '<div class="actions"><button class="primary" type="submit">Open my inbox</button></div></form></div>';
  document.getElementById('signin').addEventListener('submit', (event) => {
    event.preventDefault();
    me.principal = document.getElementById('principal').value.trim();
    me.key = document.getElementById('key').value.trim();
    localStorage.setItem('heed.principal', me.principal);
    localStorage.setItem('heed.key', me.key);
    renderWho();
    location.hash = '#/';
  });
}

async function list() {
  try {
    const page = await api('GET', '/v1/tasks?status=pending&limit=100');
    if (location.hash !== '' && location.hash !== '#/') return;
    $view.innerHTML = '<h2 id="inbox-title">Waiting for you <span class="badge" id="count">' + page.items.length + '</span></h2>' +
      (page.items.length === 0 ? '<p class="muted" id="empty">Nothing to do. New tasks appear here as agents ask.</p>' : '') +
      page.items.map((t) => '<a class="card task" data-task="' + esc(t.id) + '" href="#/task/' + encodeURIComponent(t.id) + '">' +
        '<div class="row"><strong>' + esc(t.title) + '</strong><span class="badge">' + esc(t.type.replace('_', ' ')) + '</span>' +
        (t.escalationLevel ? '<span class="badge pending">escalated ' + t.escalationLevel + '</span>' : '') + '</div>' +
        '<div class="muted">asked ' + ago(t.createdAt) + (t.deadline ? ' · deadline ' + until(t.deadline) : '') +
        (t.requester ? ' · by ' + esc(t.requester) : '') + '</div></a>').join('');
  } catch (error) {
    $view.innerHTML = '<p class="error">' + esc(error.message) + '</p>';
  }
}

function fieldsFor(schema) {
  const props = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  return Object.entries(props).map(([name, p], index) => {
    const label = esc(p.title || name) + (required.has(name) ? ' *' : '');
    const id = 'field-' + index;
    let input;
    if (Array.isArray(p.enum)) input = '<select id="' + id + '" data-field="' + esc(name) + '"><option value=""></option>' + p.enum.map((v) => '<option>' + esc(v) + '</option>').join('') + '</select>';
    else if (p.type === 'boolean') input = '<input type="checkbox" id="' + id + '" data-field="' + esc(name) + '">';
    else if (p.type === 'integer' || p.type === 'number') input = '<input type="number" step="' + (p.type === 'integer' ? '1' : 'any') + '" id="' + id + '" data-field="' + esc(name) + '">';
    else if ((p.maxLength || 0) > 200) input = '<textarea id="' + id + '" data-field="' + esc(name) + '" rows="4"></textarea>';
    else input = '<input type="text" id="' + id + '" data-field="' + esc(name) + '">';
    return '<label for="' + id + '">' + label + '</label>' + input + '<div class="field-error" data-error-for="' + esc(name) + '"></div>';
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

function diffTable(edit) {
  if (!edit || !edit.changes || edit.changes.length === 0) return '';
  return '<h3>Edited arguments</h3><table><tr><th>Field</th><th>Was</th><th>Now</th></tr>' +
    edit.changes.map((c) => '<tr><td>' + esc(c.path) + '</td><td><del>' + esc(JSON.stringify(c.from)) + '</del></td><td><ins>' + esc(JSON.stringify(c.to)) + '</ins></td></tr>').join('') + '</table>';
}

async function detail(id) {
  let task, audit;
  try {
    [task, audit] = await Promise.all([api('GET', '/v1/tasks/' + encodeURIComponent(id)), api('GET', '/v1/tasks/' + encodeURIComponent(id) + '/audit')]);
  } catch (error) {
    $view.innerHTML = '<p class="error">' + esc(error.message) + '</p><p><a href="#/">Back to the inbox</a></p>';
    return;
  }
  const pending = task.status === 'pending';
  const result = task.result;
  const scalarForm = task.form && task.form.type === 'object' && task.form.properties &&
    Object.values(task.form.properties).every((p) => ['string', 'number', 'integer', 'boolean'].includes(p.type) || Array.isArray(p.enum));
  $view.innerHTML = '<p><a href="#/">← Inbox</a></p><div class="card" id="task" data-status="' + esc(task.status) + '">' +
    '<div class="row"><h2>' + esc(task.title) + '</h2><span class="badge ' + esc(task.status) + '" id="status">' + esc(task.status) + '</span></div>' +
    '<div class="muted">' + esc(task.type.replace('_', ' ')) + ' · asked ' + ago(task.createdAt) +
    (task.deadline ? ' · deadline ' + new Date(task.deadline).toLocaleString() + ' (' + until(task.deadline) + ')' : '') +
    ' · escalation level ' + task.escalationLevel + (task.requester ? ' · requested by ' + esc(task.requester) : '') + '</div>' +
    (task.description ? '<div class="md">' + marked.parse(task.description) + '</div>' : '') +
    (task.action ? '<h3>Action</h3><pre id="action">' + esc(task.action.tool + ' ' + JSON.stringify(task.action.args, null, 2)) + '</pre>' : '') +
    (task.payload !== null && task.payload !== undefined ? '<h3>Context</h3><pre>' + esc(JSON.stringify(task.payload, null, 2)) + '</pre>' : '') +
    (result ? '<div class="card" id="result"><strong class="' + (result.outcome === 'approve' || result.outcome === 'submit' || result.outcome === 'done' ? 'success' : '') + '">' +
      esc(result.outcome || result.status) + '</strong> by ' + esc(result.by || '-') + ' via ' + esc(result.via || '-') +
      (result.comment ? '<div>“' + esc(result.comment) + '”</div>' : '') + diffTable(result.edit) + '<div class="muted" id="run-status"></div></div>' : '') +
    (pending ? '<form id="answer" novalidate>' +
      (task.form ? (scalarForm ? fieldsFor(task.form) : '<label for="field-json">Data (JSON)</label><textarea id="field-json" rows="6"></textarea><div class="field-error" data-error-for=""></div>') : '') +
      (task.allowEdit && task.action ? '<label for="args">Arguments (you may edit them)</label><textarea id="args" rows="5">' + esc(JSON.stringify(task.action.args, null, 2)) + '</textarea><div class="field-error" data-error-for="args"></div>' : '') +
      '<label for="comment">Comment' + (task.requireComment.length ? ' (needed to ' + esc(task.requireComment.join(', ')) + ')' : '') + '</label><textarea id="comment" rows="2"></textarea><div class="field-error" data-error-for="comment"></div>' +
      '<div class="actions">' + task.outcomes.map((o, i) => '<button type="button" class="' + (i === 0 ? 'primary' : task.requireComment.includes(o) ? 'danger' : '') + '" data-outcome="' + esc(o) + '">' + esc(o.replace('_', ' ')) + '</button>').join('') + '</div>' +
      '<div class="error" id="form-error"></div></form>' : '') +
    '<h3>History</h3><table id="history">' + audit.items.map((e) => '<tr><td class="muted">' + new Date(e.at).toLocaleString() + '</td><td>' + esc(e.actor) + '</td><td>' + esc(e.action) + (e.outcome ? ' · ' + esc(e.outcome) : '') + '</td><td class="muted">' + esc(e.via) + '</td></tr>').join('') + '</table>' +
    '<p class="muted">Audit chain ' + (audit.verification.ok ? 'verified ✓' : 'BROKEN: ' + esc(audit.verification.problems.join('; '))) + '</p></div>';

  if (task.askedBy) watchRun(task.askedBy);
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
    try {
      await api('POST', '/v1/tasks/' + encodeURIComponent(task.id) + '/responses', body);
      detail(task.id);
    } catch (error) {
      document.getElementById('form-error').textContent = error.message;
      for (const issue of error.issues || []) {
        const key = issue.path.startsWith('args') ? 'args' : issue.path.split('.')[0];
        const slot = form.querySelector('[data-error-for="' + CSS.escape(key) + '"]');
        if (slot) slot.textContent = (slot.textContent ? slot.textContent + '; ' : '') + issue.message;
        const index = Object.keys((task.form && task.form.properties) || {}).indexOf(key);
        const input = document.getElementById(key === 'args' ? 'args' : 'field-' + index);
        if (input) input.classList.add('invalid');
      }
    }
  });
}

let runTimer;
function watchRun(runId) {
  clearTimeout(runTimer);
  const tick = async () => {
    const el = document.getElementById('run-status');
    if (!el) return;
    try {
      const run = await api('GET', '/v1/runs/' + encodeURIComponent(runId));
      el.innerHTML = 'Agent run <code>' + esc(runId) + '</code>: <span class="badge ' + esc(run.status) + '" id="run-badge">' + esc(run.status) + '</span>';
      if (!['succeeded', 'failed', 'cancelled'].includes(run.status)) runTimer = setTimeout(tick, 500);
    } catch (error) {
      // The agent's run is its initiator's: an approver may not see it (404), and that is no error.
      el.innerHTML = error.status === 404 ? '' : '<span class="error">' + esc(error.message) + '</span>';
    }
  };
  tick();
}

async function agents() {
  try {
    const waiting = await api('GET', '/v1/agents/waiting');
    $view.innerHTML = '<p><a href="#/">← Inbox</a></p><h2>Agents waiting for a person</h2>' +
      (waiting.items.length === 0 ? '<p class="muted" id="no-agents">No agent is waiting.</p>' : '') +
      waiting.items.map((a) => '<div class="card agent" data-run="' + esc(a.runId) + '"><div class="row"><strong>' + esc(a.workflow) + '</strong>' +
        '<span class="badge pending">' + esc(a.status.status) + '</span><code class="muted">' + esc(a.runId) + '</code></div>' +
        a.tasks.map((t) => '<div><a href="#/task/' + encodeURIComponent(t.id) + '">' + esc(t.title) + '</a></div>').join('') + '</div>').join('');
  } catch (error) {
    $view.innerHTML = '<p class="error">' + esc(error.message) + '</p>';
  }
}

function route() {
  renderWho();
  const hash = location.hash || '#/';
  if (hash === '#/signin' || (!me.principal && !me.key)) return signIn();
  if (hash === '#/agents') return agents();
  if (hash === '#/chat' || hash.startsWith('#/chat/')) return import('/inbox/chat.js').then((m) => m.chat($view, hash));
  const match = /^#\/task\/(.+)$/.exec(hash);
  if (match) return detail(decodeURIComponent(match[1]));
  return list();
}

window.addEventListener('hashchange', route);
const live = new EventSource('/v1/inbox/events');
live.addEventListener('changed', () => {
  if (!location.hash || location.hash === '#/') list();
});
route();
`;
