// @ts-check
/**
 * The inbox's task lists (browser module): three views — "Waiting for me" (`#/`), "Asked by me"
 * (`#/asked`) and "Done" (`#/done`) — each with a type filter, a status filter where it means
 * something, and a search of titles. Filters live in the hash (`#/done?type=approval&q=export`),
 * so a view can be bookmarked and reloaded.
 */
import { renderAwayBanner, standsFor } from './away.js';
import { wireBatch } from './batch.js';
import { api } from './session.js';
import { ago, esc, isNegative, ownRequest, person, standing, typeName, until } from './words.js';
/** @import { Task } from './types.d.ts' */
/** @import { ViewContext, Viewer } from './context.d.ts' */

/** @typedef {'waiting' | 'asked' | 'done'} ListView */
/** @typedef {{ view: ListView, type: string, status: string, q: string }} ListState */

/** @type {Record<ListView, { path: string, title: string, empty: string }>} */
const VIEWS = {
  waiting: {
    path: '#/',
    title: 'Waiting for me',
    empty: 'Nothing is waiting for you. New requests appear here as agents and people ask.',
  },
  asked: { path: '#/asked', title: 'Asked by me', empty: 'You have not asked anyone anything yet.' },
  done: { path: '#/done', title: 'Done', empty: 'Nothing decided yet.' },
};
/** @type {[string, string][]} */
const TYPES = [
  ['', 'All types'],
  ['approval', 'Approvals'],
  ['review', 'Reviews'],
  ['form', 'Forms'],
  ['manual_action', 'Things to do'],
  ['override', 'Overrides'],
  ['clarification', 'Questions'],
];
/** @type {Partial<Record<ListView, [string, string][]>>} */
const STATUSES = {
  asked: [
    ['', 'Any state'],
    ['pending', 'Waiting'],
    ['resolved', 'Decided'],
    ['expired', 'Expired'],
    ['cancelled', 'Cancelled'],
  ],
  done: [
    ['', 'Everything done'],
    ['resolved', 'Decided'],
    ['expired', 'Expired'],
    ['cancelled', 'Cancelled'],
  ],
};

/**
 * Which list a hash shows, and its filters; `null` when the hash is not a list.
 * @param {string} hash
 * @returns {ListState | null}
 */
export function parseListHash(hash) {
  const [path, query] = (hash || '#/').split('?');
  /** @type {ListView | null} */
  const view =
    path === '#/asked'
      ? 'asked'
      : path === '#/done'
        ? 'done'
        : path === '#/' || path === '' || path === '#'
          ? 'waiting'
          : null;
  if (!view) return null;
  const params = new URLSearchParams(query || '');
  return { view, type: params.get('type') || '', status: params.get('status') || '', q: params.get('q') || '' };
}

/** @param {ListState} state */
function hashOf(state) {
  const params = new URLSearchParams();
  if (state.type) params.set('type', state.type);
  if (state.status) params.set('status', state.status);
  if (state.q) params.set('q', state.q);
  const query = params.toString();
  return VIEWS[state.view].path + (query ? `?${query}` : '');
}

/**
 * @param {[string, string][]} list
 * @param {string} selected
 */
function options(list, selected) {
  return list
    .map(
      ([value, label]) =>
        `<option value="${esc(value)}"${value === selected ? ' selected' : ''}>${esc(label)}</option>`,
    )
    .join('');
}

/**
 * @param {ViewContext} ctx
 * @param {ListState} state
 * @returns {Promise<Task[]>}
 */
async function fetchTasks(ctx, state) {
  const base = new URLSearchParams({ limit: '100' });
  if (state.type) base.set('type', state.type);
  if (state.q) base.set('search', state.q);
  /** @param {Record<string, string>} extra */
  const get = async (extra) => {
    const params = new URLSearchParams(base);
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    /** @type {{ items: Task[] }} */
    const page = await api('GET', `/v1/tasks?${params}`);
    return page.items;
  };
  if (state.view === 'waiting') {
    // What one asked for and may not answer (four-eyes) is under "Asked by me", not waiting for one.
    const identities = ctx.who().identities;
    return (await get({ status: 'pending' })).filter((t) => !ownRequest(t, identities));
  }
  if (state.view === 'asked') {
    return get({ requester: ctx.who().principal, ...(state.status ? { status: state.status } : {}) });
  }
  const statuses = state.status ? [state.status] : ['resolved', 'expired', 'cancelled'];
  const pages = await Promise.all(statuses.map((status) => get({ status })));
  /** @param {Task} t */
  const ended = (t) => t.result?.at || t.updatedAt;
  return pages
    .flat()
    .sort((a, b) => ended(b) - ended(a))
    .slice(0, 100);
}

/**
 * @param {Task} task
 * @param {ListState} state
 * @param {Viewer} who
 */
function card(task, state, who) {
  const line = standing(task, who.principal, who.identities);
  const stands = task.status === 'pending' ? standsFor(task, who.principal, who.identities) : '';
  const when =
    state.view === 'waiting'
      ? `asked ${ago(task.createdAt)}${task.requester ? ` by ${esc(person(task.requester, who.principal))}` : ''}${task.deadline ? ` · due ${until(task.deadline)}` : ''}`
      : `asked ${ago(task.createdAt)}`;
  return (
    `<a class="card task" data-task="${esc(task.id)}" data-status="${esc(task.status)}" href="#/task/${encodeURIComponent(task.id)}">` +
    `<div class="row between"><strong class="title">${esc(task.title)}</strong><span class="chip">${esc(typeName(task.type))}</span></div>` +
    `<div class="standing ${esc(task.status)}${isNegative(task.result?.outcome, task.status) ? ' negative' : ''}">${esc(line)}</div>` +
    `<div class="muted small">${when}${task.escalationLevel ? ' · escalated' : ''}${stands ? ` · <span class="stands-for">${esc(stands)}</span>` : ''}</div></a>`
  );
}

/**
 * Renders the list a hash names into `ctx.view`. Returns false if the hash is not a list.
 * @param {ViewContext} ctx
 * @param {string} hash
 */
export async function renderList(ctx, hash) {
  const state = parseListHash(hash);
  if (!state) return false;
  const meta = VIEWS[state.view];
  const tabs = /** @type {[ListView, { path: string, title: string }][]} */ (Object.entries(VIEWS))
    .map(
      ([key, v]) =>
        `<a href="${v.path}" class="tab${key === state.view ? ' active" aria-current="page' : ''}" id="tab-${key}">${esc(v.title)}${key === 'waiting' ? ' <span class="count" id="waiting-count"></span>' : ''}</a>`,
    )
    .join('');
  const statuses = STATUSES[state.view];
  const statusFilter = statuses
    ? `<label class="filter"><span class="sr">State</span><select id="filter-status">${options(statuses, state.status)}</select></label>`
    : '';
  if (!ctx.view.querySelector(`#list-${state.view}`)) {
    ctx.view.innerHTML =
      '<div id="away-slot"></div>' +
      `<nav class="tabs" aria-label="Views">${tabs}</nav>` +
      `<form class="filters" id="filters" role="search"><label class="search"><span class="sr">Search titles</span><input id="search" type="search" placeholder="Search titles" value="${esc(state.q)}" autocomplete="off"></label>` +
      `<label class="filter"><span class="sr">Type</span><select id="filter-type">${options(TYPES, state.type)}</select></label>${statusFilter}</form>` +
      `<h2 id="inbox-title" class="sr">${esc(meta.title)}</h2><div id="list-${state.view}" class="list" aria-live="polite"></div>`;
    renderAwayBanner(/** @type {HTMLElement} */ (ctx.view.querySelector('#away-slot')), ctx.who().principal);
    const filters = /** @type {HTMLFormElement} */ (ctx.view.querySelector('#filters'));
    /** @param {string} selector */
    const value = (selector) =>
      /** @type {HTMLInputElement | HTMLSelectElement | null} */ (filters.querySelector(selector))?.value ?? '';
    const apply = () => {
      const next = {
        view: state.view,
        type: value('#filter-type'),
        status: value('#filter-status'),
        q: value('#search').trim(),
      };
      const target = hashOf(next);
      if (target !== location.hash) history.replaceState(null, '', target);
      renderList(ctx, target);
    };
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let typing;
    filters.addEventListener('submit', (event) => {
      event.preventDefault();
      apply();
    });
    filters.addEventListener('change', apply);
    filters.querySelector('#search')?.addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(apply, 200);
    });
  }
  const $list = /** @type {HTMLElement} */ (ctx.view.querySelector(`#list-${state.view}`));
  /** @type {Task[]} */
  let tasks;
  try {
    tasks = await fetchTasks(ctx, state);
  } catch (error) {
    $list.innerHTML = `<p class="error">${esc(/** @type {Error} */ (error).message)}</p>`;
    return true;
  }
  if (parseListHash(location.hash || '#/')?.view !== state.view) return true;
  const filtered = state.type || state.status || state.q;
  $list.innerHTML =
    tasks.length === 0
      ? `<p class="muted empty" id="empty">${esc(filtered ? 'Nothing matches these filters.' : meta.empty)}</p>`
      : tasks.map((t) => card(t, state, ctx.who())).join('');
  if (state.view === 'waiting') wireBatch($list, tasks, () => renderList(ctx, location.hash || '#/'));
  if (state.view === 'waiting' && !filtered) {
    const count = ctx.view.querySelector('#waiting-count');
    if (count) count.textContent = tasks.length ? String(tasks.length) : '';
  }
  return true;
}
