/**
 * The web inbox's browser script (plain JavaScript, served at `/inbox.js`): sign-in, the API
 * wrapper and the hash router. Routes: `#/`, `#/asked`, `#/done` the task lists (`list.js`),
 * live-updated over SSE; `#/task/ID` one task (`task.js`); `#/chat`, `#/agents`, `#/signin`.
 * Wording comes from `words.js`.
 */
export const INBOX_SCRIPT = String.raw`
import { marked } from '/inbox/marked.js';
import { renderList, parseListHash } from '/inbox/list.js';
import { renderTask } from '/inbox/task.js';
import { agentName, agentWaiting, ago, typeName, until } from '/inbox/words.js';

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
async function api(method, path, body) {
  const headers = {};
  if (me.key) headers.authorization = 'Bearer ' + me.key;
  else if (me.principal) headers['x-heed-principal'] = me.principal;
  if (body !== undefined) headers['content-type'] = 'application/json';
  headers['x-heed-via'] = 'inbox';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(json.error?.message || (response.status + ' ' + response.statusText)), { code: json.error?.code, status: response.status, issues: json.error?.issues || [] });
  return json;
}

/** The header says who the server says is signed in (GET /v1/me: the key's principal), or why not. */
async function renderWho() {
  if (!me.principal && !me.key) {
    $who.innerHTML = '<a href="#/signin">Sign in</a>';
    return;
  }
  try {
    const info = await api('GET', '/v1/me');
    viewer = { principal: info.principal, identities: [info.principal].concat(info.groups || []) };
    $who.innerHTML = '<a href="#/chat">Chat</a> · <a href="#/agents">Agents</a> · Signed in as <strong id="principal-name">' + esc(info.principal) + '</strong>' +
      (info.admin ? ' <span class="chip">admin</span>' : '') + ' · <a href="#/signin">switch</a>';
  } catch (error) {
    $who.innerHTML = '<span class="error" id="who-error" role="alert">' + esc(error.message) + '</span> · <a href="#/signin">sign in again</a>';
  }
}

function signIn() {
  $view.innerHTML = '<div class="card"><h2>Who are you?</h2>' +
    '<p class="muted">Development mode: name your principal. With API keys configured, paste your key instead.</p>' +
    (document.body.dataset.approvers ? '<p class="muted" id="approver-hint">The demo agents ask <strong>' + esc(document.body.dataset.approvers) + '</strong> to approve transfers over $100 and refunds: sign in as that principal to approve them. Whoever asked can not approve their own request.</p>' : '') +
    '<form id="signin" novalidate><label for="principal">Principal</label><input id="principal" placeholder="user:alice" value="' + esc(me.principal) + '">' +
    '<label for="key">API key (optional)</label><input id="key" type="password" value="' + esc(me.key) + '">' +
    '<div class="error" id="signin-error" role="alert"></div><div class="actions"><button class="primary" type="submit">Open my inbox</button></div></form></div>';
  document.getElementById('signin').addEventListener('submit', (event) => {
    event.preventDefault();
    const principal = document.getElementById('principal').value.trim();
    const key = document.getElementById('key').value.trim();
    const problem = document.getElementById('signin-error');
    if (!principal && !key) {
      problem.textContent = 'Enter your principal (for example user:alice) or paste an API key.';
      document.getElementById('principal').classList.add('invalid');
      document.getElementById('principal').focus();
      return;
    }
    if (principal && !/^[a-z]+:.+/.test(principal)) {
      problem.textContent = 'A principal looks like user:alice, group:finance or email:bob@example.com.';
      document.getElementById('principal').classList.add('invalid');
      document.getElementById('principal').focus();
      return;
    }
    me.principal = principal;
    me.key = key;
    viewer = null;
    localStorage.setItem('heed.principal', me.principal);
    localStorage.setItem('heed.key', me.key);
    renderWho();
    location.hash = '#/';
  });
}

/**
 * The newest waiting agents: pages until 100 are found or 5 pages were read (each page examines a
 * bounded number of runs on the server), so opening the view never walks every waiting run.
 */
async function allWaitingAgents() {
  const items = [];
  let cursor = null;
  let pages = 0;
  do {
    const page = await api('GET', '/v1/agents/waiting?limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < 100 && ++pages < 5);
  return items;
}

function agentCard(a) {
  const tasks = a.tasks.map((t) => '<li><a href="#/task/' + encodeURIComponent(t.id) + '">' + esc(t.title) + '</a> <span class="muted">' +
    esc(typeName(t.type)) + (t.deadline ? ', answer ' + esc(until(t.deadline)) : '') + '</span></li>').join('');
  return '<div class="card agent" data-run="' + esc(a.runId) + '"><div class="row between"><strong class="agent-name">' + esc(agentName(a.workflow)) + '</strong>' +
    '<span class="muted">since ' + esc(ago(a.waitingSince)) + '</span></div>' +
    '<p class="agent-waits">' + esc(agentWaiting(a.status)) + '</p>' +
    (tasks ? '<ul class="agent-tasks">' + tasks + '</ul>' : '') + '</div>';
}

async function agents() {
  try {
    const waiting = await allWaitingAgents();
    $view.innerHTML = '<p><a href="#/">← Inbox</a></p><h2>Agents waiting for a person</h2>' +
      (waiting.length === 0 ? '<p class="muted" id="no-agents">No agent is waiting.</p>' : '') +
      waiting.map(agentCard).join('');
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
  if (match) return renderTask(ctx, decodeURIComponent(match[1]));
  if (parseListHash(hash)) {
    lastList = hash;
    return renderList(ctx, hash);
  }
  return renderList(ctx, '#/');
}

/** Who is signed in, as the server says (GET /v1/me), with the groups they answer for. */
let viewer = null;
async function loadViewer() {
  try {
    const info = await api('GET', '/v1/me');
    viewer = { principal: info.principal, identities: [info.principal].concat(info.groups || []) };
  } catch {
    viewer = { principal: me.principal, identities: [me.principal] };
  }
}
let lastList = '#/';
const ctx = {
  view: $view,
  api: (method, path, body) => api(method, path, body),
  marked,
  who: () => viewer || { principal: me.principal, identities: [me.principal] },
  backTo: () => lastList,
  /** Opens a streaming GET (SSE) with the signed-in credentials; the caller reads the body. */
  open: (path, signal) => {
    const headers = { accept: 'text/event-stream' };
    if (me.key) headers.authorization = 'Bearer ' + me.key;
    else if (me.principal) headers['x-heed-principal'] = me.principal;
    return fetch(path, { headers, signal });
  },
};

window.addEventListener('hashchange', route);
const live = new EventSource('/v1/inbox/events');
live.addEventListener('changed', async () => {
  const hash = location.hash || '#/';
  if (parseListHash(hash)) return renderList(ctx, hash);
  // A task page refreshes when the task was decided elsewhere (Slack, a link, another tab), and
  // keeps what the person is typing otherwise.
  const match = /^#\/task\/(.+)$/.exec(hash);
  const shown = document.getElementById('task');
  if (!match || !shown) return;
  try {
    const task = await api('GET', '/v1/tasks/' + encodeURIComponent(decodeURIComponent(match[1])));
    if (task.status !== shown.dataset.status) renderTask(ctx, task.id);
  } catch {
    // gone or not visible any more: the next navigation says so
  }
});
loadViewer().finally(route);
`;
