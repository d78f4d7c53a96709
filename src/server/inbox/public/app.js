// @ts-check
/**
 * The web inbox (browser module, the page's script): sign-in and the hash router. Routes: `#/`,
 * `#/asked`, `#/done` the task lists (`list.js`), live-updated over SSE; `#/task/ID` one task
 * (`task.js`); `#/chat` and `#/chat/ID` (`chat.js`, loaded when first opened); `#/agents`;
 * `#/signin`. Wording comes from `words.js`, credentials and API calls from `session.js`.
 */
import { parseListHash, renderList } from './list.js';
import { api, me, remember, signedIn } from './session.js';
import { renderTask } from './task.js';
import { agentName, agentWaiting, ago, esc, setDirectory, typeName, until } from './words.js';
/** @import { Me, Run, Task, WaitingAgent } from './types.d.ts' */
/** @import { ViewContext, Viewer } from './context.d.ts' */

const $view = /** @type {HTMLElement} */ (document.getElementById('view'));
const $who = /** @type {HTMLElement} */ (document.getElementById('who'));

/** Who is signed in, as the server says (GET /v1/me), with the groups they answer for. */
/** @type {Viewer | null} */
let viewer = null;
let lastList = '#/';

/** @param {Me} info */
function viewerOf(info) {
  return { principal: info.principal, identities: [info.principal, ...(info.groups || [])] };
}

/** The header says who the server says is signed in (GET /v1/me: the key's principal), or why not. */
async function renderWho() {
  if (!signedIn()) {
    $who.innerHTML = '<a href="#/signin">Sign in</a>';
    return;
  }
  try {
    /** @type {Me} */
    const info = await api('GET', '/v1/me');
    viewer = viewerOf(info);
    $who.innerHTML =
      `<a href="#/chat">Chat</a> · <a href="#/agents">Agents</a> · <a href="#/insights">Insights</a> · <a href="#/standing">Standing</a> · Signed in as <strong id="principal-name">${esc(info.principal)}</strong>` +
      `${info.admin ? ' <span class="chip">admin</span>' : ''} · <a href="#/signin">switch</a>`;
  } catch (error) {
    $who.innerHTML = `<span class="error" id="who-error" role="alert">${esc(/** @type {Error} */ (error).message)}</span> · <a href="#/signin">sign in again</a>`;
  }
}

/**
 * What the sign-in page says of the demo: who approves, that nobody approves their own request,
 * and principals to sign in as with one click (an approver, another, a customer).
 * @param {string[]} approvers
 */
function approverHint(approvers) {
  const named = approvers.map((a) => `<strong>${esc(a)}</strong>`);
  const list = named.length <= 1 ? named.join('') : `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}`;
  const others =
    approvers.length > 1
      ? 'A request goes to the approvers other than whoever asked: chat as one of them, then sign in as another to approve.'
      : 'Whoever asked may not approve their own request: chat as someone else (a customer such as user:carol), then sign in as the approver.';
  const choices = [...new Set([...approvers, 'user:carol'])]
    .map((p) => `<button type="button" class="chip" data-principal="${esc(p)}">${esc(p)}</button>`)
    .join(' ');
  return (
    `<p class="muted" id="approver-hint">The demo agents ask ${list} to approve transfers over $100 and refunds. ${others}</p>` +
    `<p class="small" id="principal-choices">Sign in as ${choices}</p>`
  );
}

function signIn() {
  const approvers = document.body.dataset.approvers;
  $view.innerHTML =
    '<div class="card"><h2>Who are you?</h2>' +
    '<p class="muted">Development mode: name your principal. With API keys configured, paste your key instead.</p>' +
    (approvers ? approverHint(approvers.split(',').map((a) => a.trim())) : '') +
    `<form id="signin" novalidate><label for="principal">Principal</label><input id="principal" placeholder="user:alice" value="${esc(me.principal)}">` +
    `<label for="key">API key (optional)</label><input id="key" type="password" value="${esc(me.key)}">` +
    '<div class="error" id="signin-error" role="alert"></div><div class="actions"><button class="primary" type="submit">Open my inbox</button></div></form></div>';
  const input = /** @param {string} id */ (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
  document.getElementById('principal-choices')?.addEventListener('click', (event) => {
    const t = event.target;
    if (!(t instanceof HTMLElement) || !t.dataset.principal) return;
    input('principal').value = t.dataset.principal;
    input('principal').focus();
  });
  input('signin').addEventListener('submit', (event) => {
    event.preventDefault();
    const principalBox = input('principal');
    const principal = principalBox.value.trim();
    const key = input('key').value.trim();
    const problem = input('signin-error');
    /** @param {string} text */
    const refuse = (text) => {
      problem.textContent = text;
      principalBox.classList.add('invalid');
      principalBox.focus();
    };
    if (!principal && !key) return refuse('Enter your principal (for example user:alice) or paste an API key.');
    if (principal && !/^[a-z]+:.+/.test(principal)) {
      return refuse('A principal looks like user:alice, group:finance or email:bob@example.com.');
    }
    remember(principal, key);
    viewer = null;
    renderWho();
    loadDirectory().finally(() => {
      location.hash = '#/';
    });
  });
}

/**
 * The newest waiting agents: pages until 100 are found or 5 pages were read (each page examines a
 * bounded number of runs on the server), so opening the view never walks every waiting run.
 */
async function allWaitingAgents() {
  /** @type {WaitingAgent[]} */
  const items = [];
  /** @type {string | null} */
  let cursor = null;
  let pages = 0;
  do {
    /** @type {{ items: WaitingAgent[], nextCursor: string | null }} */
    const page = await api(
      'GET',
      `/v1/agents/waiting?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < 100 && ++pages < 5);
  return items;
}

/** @param {WaitingAgent} a */
function agentCard(a) {
  const tasks = a.tasks
    .map(
      (t) =>
        `<li><a href="#/task/${encodeURIComponent(t.id)}">${esc(t.title)}</a> <span class="muted">${esc(typeName(t.type))}${t.deadline ? `, answer ${esc(until(t.deadline))}` : ''}</span></li>`,
    )
    .join('');
  return (
    `<div class="card agent" data-run="${esc(a.runId)}"><div class="row between"><strong class="agent-name">${esc(agentName(a.workflow))}</strong>` +
    `<span class="muted">since ${esc(ago(a.waitingSince))}</span></div>` +
    `<p class="agent-waits">${esc(agentWaiting(a.status))}</p>` +
    (tasks ? `<ul class="agent-tasks">${tasks}</ul>` : '') +
    '</div>'
  );
}

/**
 * A run whose replay diverged from its history (the code changed): blocked, not failed, with why.
 * @param {Run} r
 */
function blockedCard(r) {
  return (
    `<div class="card agent blocked" data-run="${esc(r.id)}"><div class="row between"><strong class="agent-name">${esc(agentName(r.workflow))}</strong>` +
    `<span class="muted">version ${esc(String(r.version))} · ${esc(ago(r.updatedAt))}</span></div>` +
    `<p class="agent-waits">Blocked: the code deployed cannot replay this run.</p>` +
    `<p class="small blocked-why">${esc(r.error?.message ?? '')}</p>` +
    `<p class="muted small">Deploy code that replays it, or an admin moves it: <code>heed runs resume ${esc(r.id)} --version N</code></p>` +
    '</div>'
  );
}

async function agents() {
  try {
    const waiting = await allWaitingAgents();
    /** @type {{ items: Run[] }} */
    const blocked = await api('GET', '/v1/runs?status=blocked&limit=50');
    $view.innerHTML =
      '<p><a href="#/">← Inbox</a></p><h2>Agents waiting for a person</h2>' +
      (waiting.length === 0 ? '<p class="muted" id="no-agents">No agent is waiting.</p>' : '') +
      waiting.map(agentCard).join('') +
      (blocked.items.length > 0
        ? `<h2 id="blocked-title">Blocked after a code change</h2>${blocked.items.map(blockedCard).join('')}`
        : '');
  } catch (error) {
    $view.innerHTML = `<p class="error">${esc(/** @type {Error} */ (error).message)}</p>`;
  }
}

/** @type {ViewContext} */
const ctx = {
  view: $view,
  who: () => viewer || { principal: me.principal, identities: [me.principal] },
  backTo: () => lastList,
};

function route() {
  renderWho();
  const hash = location.hash || '#/';
  if (hash === '#/signin' || !signedIn()) return signIn();
  if (hash === '#/agents') return agents();
  if (hash === '#/insights' || hash.startsWith('#/insights/')) {
    return import('./insights.js').then((m) => m.insights($view, hash));
  }
  if (hash === '#/standing') return import('./standing.js').then((m) => m.standingView($view, ctx.who().principal));
  if (hash === '#/chat' || hash.startsWith('#/chat/')) return import('./chat.js').then((m) => m.chat($view, hash));
  const match = /^#\/task\/(.+)$/.exec(hash);
  if (match?.[1]) return renderTask(ctx, decodeURIComponent(match[1]));
  if (parseListHash(hash)) {
    lastList = hash;
    return renderList(ctx, hash);
  }
  return renderList(ctx, '#/');
}

async function loadViewer() {
  try {
    viewer = viewerOf(await api('GET', '/v1/me'));
  } catch {
    viewer = { principal: me.principal, identities: [me.principal] };
  }
  await loadDirectory();
}

/** The people directory's names (GET /v1/people), so that people are named as in email and Slack. */
async function loadDirectory() {
  if (!signedIn()) return;
  try {
    /** @type {{ items: { principal: string, name: string }[] }} */
    const people = await api('GET', '/v1/people');
    setDirectory(people.items);
  } catch {
    // an older server, or not signed in yet: names made from the principals
  }
}

window.addEventListener('hashchange', route);
const live = new EventSource('/v1/inbox/events');
live.addEventListener('changed', async () => {
  const hash = location.hash || '#/';
  if (parseListHash(hash)) return renderList(ctx, hash);
  // A task page refreshes when the task was decided elsewhere (Slack, a link, another tab), and
  // keeps what the person is typing otherwise.
  const match = /^#\/task\/(.+)$/.exec(hash);
  const shown = document.getElementById('task');
  if (!match?.[1] || !shown) return;
  try {
    /** @type {Task} */
    const task = await api('GET', `/v1/tasks/${encodeURIComponent(decodeURIComponent(match[1]))}`);
    if (task.status !== shown.dataset.status) renderTask(ctx, task.id);
  } catch {
    // gone or not visible any more: the next navigation says so
  }
});
loadViewer().finally(route);
