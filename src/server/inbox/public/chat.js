// @ts-check
/**
 * The inbox's chat (browser module, loaded by the inbox for `#/chat` and `#/chat/ID`). It speaks
 * `/v1/chat` exactly as the AI SDK's `useChat` does (the UI message stream protocol v1: the
 * transport's body, `data: {chunk}` events, resume at `/v1/chat/ID/stream`, reload from
 * `/v1/chat/ID`), and shows a conversation: threads (list and new), the history restored on
 * reload, text as it streams, each tool call as a card in words, and each approval as a card that
 * says who was asked and, once decided anywhere (chat, inbox, Slack, a deadline), who decided;
 * the card updates in place.
 */
import { api, authHeaders, me } from './session.js';
import { ago, esc, isNegative, outcomeDone, until } from './words.js';
/** @import { ChatThread, Me } from './types.d.ts' */

/**
 * One part of a UI message, as the stream builds it (text, a tool call, a data part).
 * @typedef {{ type: string, text?: string, state?: string, streamId?: string, toolCallId?: string,
 *   title?: string, input?: unknown, output?: unknown, errorText?: string, id?: string, data?: unknown,
 *   approval?: { id: string, approved?: boolean, reason?: string } }} Part
 */
/** @typedef {{ id: string, role: string, parts: Part[], error?: string }} Message */
/** @typedef {{ principal: string, name: string }} Person */
/**
 * What the server says of a task its turn asked (the `data-task` part; `chat/task-card.ts`).
 * @typedef {{ taskId: string, kind: string, title: string, toolCallId: string | null, asked: Person[],
 *   requester: Person | null, requesterMayAnswer?: boolean, state: string, outcome: string | null,
 *   decidedBy: Person | null, via: string | null, comment: string | null, deadline: number | null,
 *   atDeadline?: string | null, decidedAt: number | null }} TaskCard
 */
/**
 * One chunk of the UI message stream.
 * @typedef {{ type: string, messageId?: string, id?: string, delta?: string, toolCallId?: string,
 *   toolName?: string, title?: string, input?: unknown, approvalId?: string, output?: unknown,
 *   errorText?: string, data?: unknown }} Chunk
 */

/** @type {Record<string, string>} */
const VIA = {
  inbox: 'in the inbox',
  chat: 'in the chat',
  slack: 'on Slack',
  teams: 'in Microsoft Teams',
  email: 'by email',
  api: 'through the API',
  link: 'with a one-click link',
  cli: 'in the terminal',
  timeout: 'at the deadline',
  workflow: 'by the workflow',
};
const SUGGESTIONS = ["What's my balance?", 'Deposit $50', 'Transfer $150 to Bob'];

/** The groups the signed-in principal answers for (GET /v1/me). */
/** @type {string[]} */
let groups = [];
/** @type {HTMLElement} */
let view;
/** @type {{ id: string, messages: Message[], streaming: boolean, live: EventSource | undefined }} */
let state = { id: '', messages: [], streaming: false, live: undefined };

/**
 * @template T
 * @param {string} path
 * @returns {Promise<T>}
 */
function getJson(path) {
  return api('GET', path, undefined, 'chat');
}
function newId() {
  return crypto.randomUUID().replaceAll('-', '').slice(0, 16);
}
/** @param {Person | null} person */
function you(person) {
  return person && person.principal === me.principal ? 'you' : person ? person.name : 'someone';
}
/** @param {Person[]} people */
function names(people) {
  const list = people.map(you);
  return list.length <= 1 ? list[0] || '' : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}
/** @param {Part} p */
const isTool = (p) => p.type.startsWith('tool-') || p.type === 'dynamic-tool';

// ── the UI message stream protocol (what the AI SDK's processUIMessageStream does) ───────────
/**
 * @param {Message} message
 * @param {Chunk} chunk
 */
function applyChunk(message, chunk) {
  const parts = message.parts;
  /** @param {string | undefined} id */
  const tool = (id) => parts.find((p) => isTool(p) && p.toolCallId === id);
  /** @param {string | undefined} id */
  const text = (id) => parts.findLast((x) => x.type === 'text' && x.streamId === id);
  switch (chunk.type) {
    case 'start':
      if (chunk.messageId) message.id = chunk.messageId;
      break;
    case 'text-start':
      parts.push({ type: 'text', text: '', state: 'streaming', streamId: chunk.id });
      break;
    case 'text-delta': {
      const p = text(chunk.id);
      if (p) p.text += chunk.delta ?? '';
      break;
    }
    case 'text-end': {
      const p = text(chunk.id);
      if (p) p.state = 'done';
      break;
    }
    case 'tool-input-available': {
      const p = tool(chunk.toolCallId);
      const next = {
        type: `tool-${chunk.toolName}`,
        toolCallId: chunk.toolCallId,
        title: chunk.title,
        input: chunk.input,
        state: 'input-available',
      };
      if (p) Object.assign(p, next);
      else parts.push(next);
      break;
    }
    case 'tool-approval-request': {
      const p = tool(chunk.toolCallId);
      if (p) {
        p.state = 'approval-requested';
        p.approval = { id: chunk.approvalId ?? '' };
      }
      break;
    }
    case 'tool-output-available': {
      const p = tool(chunk.toolCallId);
      if (p) {
        p.state = 'output-available';
        p.output = chunk.output;
      }
      break;
    }
    case 'tool-output-denied': {
      const p = tool(chunk.toolCallId);
      if (p) p.state = 'output-denied';
      break;
    }
    case 'tool-output-error': {
      const p = tool(chunk.toolCallId);
      if (p) {
        p.state = 'output-error';
        p.errorText = chunk.errorText;
      }
      break;
    }
    case 'error':
      message.error = chunk.errorText;
      break;
    default:
      if (chunk.type.startsWith('data-')) {
        const p = chunk.id !== undefined && parts.find((x) => x.type === chunk.type && x.id === chunk.id);
        if (p) p.data = chunk.data;
        else parts.push({ type: chunk.type, id: chunk.id, data: chunk.data });
      }
  }
}

/**
 * Reads a UI message stream response into a message, re-rendering it as chunks arrive.
 * @param {Response} response
 * @param {Message} message
 * @param {(message: Message) => void} onMessage
 */
async function consume(response, message, onMessage) {
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut = buffer.indexOf('\n\n');
    while (cut >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
        applyChunk(message, JSON.parse(line.slice(6)));
        onMessage(message);
      }
      cut = buffer.indexOf('\n\n');
    }
  }
}

// ── rendering ─────────────────────────────────────────────────────────────────────────────────
/** @param {unknown} input */
function summary(input) {
  if (!input || typeof input !== 'object') return '';
  const rows = Object.entries(input).map(
    ([k, v]) =>
      `<span class="kv"><span class="muted">${esc(k)}</span> ${esc(typeof v === 'string' ? v : JSON.stringify(v))}</span>`,
  );
  return rows.length ? `<div class="tool-input">${rows.join('')}</div>` : '';
}

/** @param {TaskCard} card */
function decisionText(card) {
  if (card.state === 'waiting') return '';
  if (card.state === 'expired') return 'Nobody decided in time: not done.';
  if (card.state === 'cancelled') return 'Cancelled: not done.';
  const how = card.via && VIA[card.via] ? ` ${VIA[card.via]}` : '';
  const when = card.decidedAt ? ` · ${ago(card.decidedAt)}` : '';
  /** @type {Record<string, string>} */
  const words = { approved: 'Approved', rejected: 'Rejected', answered: 'Answered', done: 'Decided' };
  const word = words[card.state] || 'Decided';
  return `${word} by ${esc(you(card.decidedBy))}${esc(how)}${esc(when)}${card.comment ? `<div class="quote">“${esc(card.comment)}”</div>` : ''}`;
}

/**
 * Whether the signed-in person asked for this and may not answer it (four-eyes): their card says
 * who decides instead and offers no buttons, which the server would refuse.
 * @param {TaskCard} card
 */
function ownRequest(card) {
  return Boolean(card.requester && card.requester.principal === me.principal && card.requesterMayAnswer === false);
}

/** @param {TaskCard} card */
function mayAnswer(card) {
  if (!me.principal || ownRequest(card)) return false;
  const mine = new Set([me.principal, ...groups]);
  if (card.asked.length > 0) return card.asked.some((p) => mine.has(p.principal));
  return !card.requester || card.requester.principal !== me.principal;
}

/** Who the credentials belong to, and their groups (GET /v1/me), when the server tells. */
async function whoAmI() {
  try {
    /** @type {Me} */
    const who = await getJson('/v1/me');
    if (who.principal) me.principal = who.principal;
    groups = Array.isArray(who.groups) ? who.groups : [];
  } catch {
    // an older server: the principal named at sign-in
  }
}

/** @type {Record<string, string>} */
const BADGES = {
  approved: 'Approved',
  rejected: 'Rejected',
  answered: 'Answered',
  done: 'Decided',
  expired: 'Expired',
  cancelled: 'Cancelled',
};

/**
 * @param {TaskCard} card
 * @param {Part | undefined} part
 */
function approvalBlock(card, part) {
  const state = card.state;
  // A "done" outcome may still be a no (failed, sent back for changes): never green then.
  const negative = state === 'rejected' || isNegative(card.outcome, state);
  const tone = state === 'waiting' ? 'pending' : negative ? 'failed' : 'succeeded';
  const label =
    state === 'waiting' ? (card.kind === 'question' ? 'Waiting for an answer' : 'Waiting for approval') : BADGES[state];
  const badge = `<span class="badge ${tone}">${esc(label)}</span>`;
  let who;
  const own = card.requester && card.requester.principal === me.principal;
  const blocked = ownRequest(card);
  // The people who can decide: as the requester who may not, everyone asked but oneself.
  const deciders = blocked ? card.asked.filter((p) => p.principal !== me.principal) : card.asked;
  if (deciders.length > 0) who = `Asked: ${esc(names(deciders))}`;
  else if (state !== 'waiting') who = '';
  else if (blocked && card.asked.length > 0) who = 'Nobody else was asked: it waits for its deadline.';
  else who = own ? 'Anyone but you may approve it (you asked).' : 'Anyone may approve it.';
  const requester = card.requester && deciders.length > 0 ? ` · requested by ${esc(you(card.requester))}` : '';
  const atDeadline = card.atDeadline ? `${outcomeDone(card.atDeadline)} automatically` : 'it expires';
  const left = card.deadline ? until(card.deadline) : '';
  const due =
    state !== 'waiting' || !card.deadline
      ? ''
      : left === 'passed'
        ? ` · its deadline has passed: ${esc(atDeadline)}`
        : ` · due ${esc(left)}, then ${esc(atDeadline)}`;
  let actions = '';
  if (state === 'waiting' && blocked) {
    actions = `<div class="muted small" data-own-request="1">You asked, so you may not ${card.kind === 'approval' ? 'approve' : 'answer'} it yourself. The card updates here when it is decided.</div>`;
  } else if (state === 'waiting' && part && part.state === 'approval-requested' && mayAnswer(card)) {
    actions =
      `<div class="actions"><button class="primary" data-approve="${esc(card.taskId)}">Approve</button>` +
      `<button class="danger" data-reject="${esc(card.taskId)}">Reject…</button></div>` +
      `<form class="reject-form" data-reject-form="${esc(card.taskId)}" hidden><label>Why not?</label><input class="reason" required placeholder="The reason goes back to the agent">` +
      '<div class="actions"><button class="danger" type="submit">Reject</button></div></form>';
  } else if (state === 'waiting') {
    actions = '<div class="muted small">The card updates here when it is decided, wherever that happens.</div>';
  }
  const verdict = decisionText(card);
  const verdictTone = negative ? 'bad' : state === 'approved' || state === 'answered' ? 'good' : '';
  return (
    `<div class="approval" data-task-state="${esc(state)}"><div class="row">${badge}<strong>${esc(card.title)}</strong></div>` +
    (who || requester || due ? `<div class="muted small" data-asked="1">${who}${requester}${due}</div>` : '') +
    (verdict ? `<div class="verdict ${verdictTone}">${verdict}</div>` : '') +
    actions +
    '</div>'
  );
}

/** @type {Record<string, string>} */
const TOOL_STATES = {
  'input-streaming': '<span class="muted">Preparing…</span>',
  'input-available': '<span class="muted">Working…</span>',
  'approval-requested': '',
  'approval-responded': '<span class="muted">Sending your answer…</span>',
  'output-available': '<span class="success">Done</span>',
  'output-denied': '<span class="error-text">Not done</span>',
};

/**
 * @param {Part} part
 * @param {TaskCard | undefined} card
 */
function toolCard(part, card) {
  const title = part.title || 'An action';
  const status =
    part.state === 'output-error'
      ? `<span class="error-text">Failed: ${esc(part.errorText || '')}</span>`
      : TOOL_STATES[part.state ?? ''] || '';
  return (
    `<div class="tool-card" data-tool-state="${esc(part.state)}"><div class="row"><strong>${esc(title)}</strong>${status}</div>` +
    summary(part.input) +
    (card ? approvalBlock(card, part) : '') +
    '</div>'
  );
}

/** @param {Part} p */
const cardOf = (p) => /** @type {TaskCard | undefined} */ (p.type === 'data-task' ? p.data : undefined);

/** @param {Message} message */
function messageHtml(message) {
  if (message.role === 'user') {
    const text = message.parts
      .filter((p) => p.type === 'text')
      .map((p) => p.text)
      .join('\n');
    return `<div class="msg user" data-message-id="${esc(message.id)}"><div class="bubble">${esc(text)}</div></div>`;
  }
  /** @type {Map<string, TaskCard>} */
  const cards = new Map();
  for (const p of message.parts) {
    const card = cardOf(p);
    if (card) cards.set(card.toolCallId || card.taskId, card);
  }
  const shown = new Set();
  const body = message.parts
    .map((p) => {
      if (p.type === 'text') {
        return p.text ? `<div class="bubble${p.state === 'streaming' ? ' streaming' : ''}">${esc(p.text)}</div>` : '';
      }
      if (isTool(p)) {
        const card = cards.get(p.toolCallId ?? '');
        if (card) shown.add(card.taskId);
        return toolCard(p, card);
      }
      const card = cardOf(p);
      if (card && !card.toolCallId && !shown.has(card.taskId)) {
        return `<div class="tool-card">${approvalBlock(card, undefined)}</div>`;
      }
      return '';
    })
    .join('');
  return (
    `<div class="msg assistant" data-message-id="${esc(message.id)}">${body}` +
    (message.error ? `<div class="error">${esc(message.error)}</div>` : '') +
    '</div>'
  );
}

/** "Try again" under the latest reply, once it is complete (not while it streams or waits for a decision). */
function markLatest() {
  for (const b of view.querySelectorAll('.regenerate')) b.remove();
  const last = state.messages[state.messages.length - 1];
  if (last?.role !== 'assistant' || state.streaming) return;
  if (last.parts.some((p) => p.state === 'approval-requested' || p.state === 'approval-responded')) return;
  const el = view.querySelector(`[data-message-id="${CSS.escape(last.id)}"]`);
  el?.insertAdjacentHTML(
    'beforeend',
    '<button type="button" class="link regenerate" data-regenerate="1">Try again</button>',
  );
}

/** @param {Message} message */
function renderMessage(message) {
  const el = view.querySelector(`[data-message-id="${CSS.escape(message.id)}"]`);
  if (el) el.outerHTML = messageHtml(message);
  else {
    const transcript = document.getElementById('transcript');
    transcript?.querySelector('.empty')?.remove();
    transcript?.insertAdjacentHTML('beforeend', messageHtml(message));
  }
  markLatest();
  scrollDown();
}

function renderTranscript() {
  const transcript = /** @type {HTMLElement} */ (document.getElementById('transcript'));
  transcript.innerHTML =
    state.messages.length === 0
      ? '<div class="empty"><p>Ask the banking agent. Transfers over $100 wait for a person to approve.</p><div class="suggestions">' +
        SUGGESTIONS.map((s) => `<button type="button" class="chip" data-suggest="${esc(s)}">${esc(s)}</button>`).join(
          '',
        ) +
        '</div></div>'
      : state.messages.map(messageHtml).join('');
  markLatest();
  scrollDown();
}

function scrollDown() {
  const transcript = document.getElementById('transcript');
  if (transcript) transcript.scrollTop = transcript.scrollHeight;
  window.scrollTo(0, document.body.scrollHeight);
}

/** @param {boolean} busy */
function setBusy(busy) {
  state.streaming = busy;
  const button = /** @type {HTMLButtonElement | null} */ (document.querySelector('#composer button'));
  if (button) button.disabled = busy;
  const t = document.getElementById('transcript');
  if (t) t.setAttribute('aria-busy', busy ? 'true' : 'false');
  markLatest();
}

/** @param {string} [text] */
function showError(text) {
  const el = document.getElementById('chat-error');
  if (el) el.textContent = text || '';
}

// ── talking to /v1/chat, as DefaultChatTransport does ────────────────────────────────────────
/**
 * @param {Message[]} messages
 * @param {string | undefined} messageId
 * @param {Message} target
 * @param {string} [trigger]
 */
async function post(messages, messageId, target, trigger = 'submit-message') {
  setBusy(true);
  showError('');
  try {
    const response = await fetch('/v1/chat', {
      method: 'POST',
      headers: authHeaders({ via: 'chat', json: true }),
      body: JSON.stringify({ id: state.id, messages, trigger, messageId }),
    });
    if (!response.ok) {
      /** @type {{ error?: { message?: string } }} */
      const body = await response.json().catch(() => ({}));
      throw new Error(body.error?.message || response.statusText);
    }
    await consume(response, target, (m) => {
      if (!state.messages.includes(m)) state.messages.push(m);
      renderMessage(m);
    });
    loadThreads();
  } catch (error) {
    showError(/** @type {Error} */ (error).message);
  } finally {
    setBusy(false);
  }
}

/** @param {string} text */
async function send(text) {
  /** @type {Message} */
  const user = { id: newId(), role: 'user', parts: [{ type: 'text', text }] };
  /** @type {Message} */
  const reply = { id: '', role: 'assistant', parts: [] };
  state.messages.push(user);
  renderMessage(user);
  await post(state.messages, undefined, reply);
}

/** A new reply to the latest message in place of the one shown (the AI SDK's regenerate()). */
async function regenerate() {
  const last = state.messages[state.messages.length - 1];
  const user = state.messages[state.messages.length - 2];
  if (state.streaming || !last || last.role !== 'assistant' || !user) return;
  state.messages.pop();
  view.querySelector(`[data-message-id="${CSS.escape(last.id)}"]`)?.remove();
  await post(state.messages, last.id, { id: '', role: 'assistant', parts: [] }, 'regenerate-message');
}

/**
 * @param {string} taskId
 * @param {boolean} approved
 * @param {string} [reason]
 */
async function answer(taskId, approved, reason) {
  const message = state.messages.find((m) => m.parts.some((p) => p.approval && p.approval.id === taskId));
  if (!message) return;
  for (const p of message.parts) {
    if (p.approval && p.approval.id === taskId) {
      p.state = 'approval-responded';
      p.approval = { id: taskId, approved, ...(reason ? { reason } : {}) };
    }
  }
  renderMessage(message);
  await post(state.messages, message.id, message);
}

/** Resumes the active turn (the transport's reconnect): its message, replayed from its start. */
async function resume() {
  if (state.streaming || !state.id) return;
  const id = state.id;
  setBusy(true);
  try {
    const response = await fetch(`/v1/chat/${encodeURIComponent(id)}/stream`, {
      headers: authHeaders({ via: 'chat' }),
    });
    if (response.status === 204 || !response.ok) {
      if (response.status === 204 && waitingCard()) await reload();
      return;
    }
    /** @type {Message} */
    const fresh = { id: '', role: 'assistant', parts: [] };
    await consume(response, fresh, (m) => {
      if (id !== state.id) return;
      const index = state.messages.findIndex((x) => x.id === m.id);
      if (index >= 0) state.messages[index] = m;
      else if (m.id) state.messages.push(m);
      renderMessage(m);
    });
  } finally {
    setBusy(false);
  }
}

function waitingCard() {
  return state.messages.some((m) => m.parts.some((p) => cardOf(p)?.state === 'waiting'));
}

async function reload() {
  /** @type {{ messages: Message[] }} */
  const body = await getJson(`/v1/chat/${encodeURIComponent(state.id)}`);
  state.messages = body.messages;
  renderTranscript();
}

async function loadThreads() {
  const nav = document.getElementById('thread-list');
  if (!nav) return;
  try {
    /** @type {{ items: ChatThread[] }} */
    const { items } = await getJson('/v1/chat');
    const current = items.some((t) => t.id === state.id)
      ? ''
      : `<a class="thread active" href="#/chat/${esc(state.id)}">New chat</a>`;
    nav.innerHTML =
      current +
      items
        .map(
          (t) =>
            `<a class="thread${t.id === state.id ? ' active' : ''}" href="#/chat/${encodeURIComponent(t.id)}">` +
            `<span class="thread-title">${esc(t.title)}</span><span class="muted small">${esc(ago(t.updatedAt))}</span></a>`,
        )
        .join('');
  } catch (error) {
    nav.innerHTML = `<p class="error small">${esc(/** @type {Error} */ (error).message)}</p>`;
  }
}

/** The containers whose clicks and submits the chat already listens to. */
const wired = new WeakSet();

function layout() {
  view.innerHTML =
    '<div class="chat-layout" id="chat-page">' +
    '<aside class="threads" id="threads"><button type="button" class="primary" id="new-chat">New chat</button><nav id="thread-list"></nav></aside>' +
    '<section class="conversation"><div class="chat-head"><button type="button" id="show-threads" class="only-phone">Chats</button>' +
    '<h2>Banking assistant</h2></div>' +
    '<div id="transcript" aria-live="polite"></div>' +
    '<form id="composer"><input id="message" autocomplete="off" placeholder="Message the banking assistant" aria-label="Message">' +
    '<button class="primary" type="submit">Send</button></form><p class="error" id="chat-error"></p></section></div>';
  document.getElementById('new-chat')?.addEventListener('click', () => {
    location.hash = `#/chat/${newId()}`;
  });
  document
    .getElementById('show-threads')
    ?.addEventListener('click', () => document.getElementById('threads')?.classList.toggle('open'));
  document.getElementById('composer')?.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ (document.getElementById('message'));
    const text = input.value.trim();
    if (!text || state.streaming) return;
    input.value = '';
    send(text);
  });
  // The container outlives the chat page (the inbox renders its other views into it): listen once.
  if (wired.has(view)) return;
  wired.add(view);
  view.addEventListener('click', (event) => {
    const t = event.target;
    if (!(t instanceof HTMLElement)) return;
    if (t.dataset.suggest) {
      if (!state.streaming) send(t.dataset.suggest);
      return;
    }
    if (t.dataset.regenerate) {
      regenerate();
      return;
    }
    if (t.dataset.approve) {
      answer(t.dataset.approve, true);
      return;
    }
    if (t.dataset.reject) {
      const form = /** @type {HTMLFormElement | null} */ (
        view.querySelector(`[data-reject-form="${CSS.escape(t.dataset.reject)}"]`)
      );
      if (form) {
        form.hidden = false;
        form.querySelector('input')?.focus();
      }
    }
  });
  view.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.rejectForm) return;
    event.preventDefault();
    const input = form.querySelector('input');
    const reason = input?.value.trim();
    if (!reason) {
      input?.classList.add('invalid');
      return;
    }
    answer(form.dataset.rejectForm, false, reason);
  });
}

/**
 * Opens the chat page for '#/chat' or '#/chat/ID'.
 * @param {HTMLElement} container
 * @param {string} hash
 */
export async function chat(container, hash) {
  const match = /^#\/chat\/([A-Za-z0-9_-]{1,100})$/.exec(hash);
  if (!match?.[1]) {
    /** @type {{ items: ChatThread[] }} */
    const { items } = await getJson('/v1/chat').catch(() => ({ items: [] }));
    location.replace(`#/chat/${items[0] ? items[0].id : newId()}`);
    return;
  }
  if (!document.getElementById('chat-css')) {
    document.head.insertAdjacentHTML('beforeend', '<link rel="stylesheet" id="chat-css" href="/inbox/chat.css">');
  }
  view = container;
  state.live?.close();
  state = { id: match[1], messages: [], streaming: false, live: undefined };
  layout();
  await whoAmI();
  loadThreads();
  try {
    await reload();
  } catch (error) {
    if (/** @type {{ status?: number }} */ (error).status === 404) {
      state.messages = [];
      renderTranscript();
    } else showError(/** @type {Error} */ (error).message);
  }
  await resume();
  // Decisions made anywhere else (inbox, Slack, a link, a deadline) update the cards in place.
  const live = new EventSource('/v1/inbox/events');
  state.live = live;
  live.addEventListener('changed', () => {
    if (state.live !== live || !document.getElementById('chat-page')) return live.close();
    if (waitingCard()) resume();
  });
}
