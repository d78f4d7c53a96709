/**
 * The inbox's chat (plain JavaScript module, served at `/inbox/chat.js`, loaded by the inbox for
 * `#/chat` and `#/chat/ID`). It speaks `/v1/chat` exactly as the AI SDK's `useChat` does (the UI
 * message stream protocol v1: the transport's body, `data: {chunk}` events, resume at
 * `/v1/chat/ID/stream`, reload from `/v1/chat/ID`), and shows a conversation: threads (list and
 * new), the history restored on reload, text as it streams, each tool call as a card in words,
 * and each approval as a card that says who was asked and, once decided anywhere (chat, inbox,
 * Slack, a deadline), who decided; the card updates in place.
 */
export const CHAT_SCRIPT = String.raw`
const VIA = { inbox: 'in the inbox', chat: 'in the chat', slack: 'on Slack', email: 'by email', api: 'through the API',
  link: 'with a one-click link', cli: 'in the terminal', timeout: 'at the deadline', workflow: 'by the workflow' };
const SUGGESTIONS = ["What's my balance?", 'Deposit $50', 'Transfer $150 to Bob'];

const me = { principal: localStorage.getItem('heed.principal') || '', key: localStorage.getItem('heed.key') || '' };
let view;
let state = { id: '', messages: [], streaming: false, live: undefined };

function esc(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
function headers(json) {
  const h = { 'x-heed-via': 'chat' };
  if (me.key) h.authorization = 'Bearer ' + me.key;
  else if (me.principal) h['x-heed-principal'] = me.principal;
  if (json) h['content-type'] = 'application/json';
  return h;
}
async function getJson(path) {
  const response = await fetch(path, { headers: headers(false) });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error((body.error && body.error.message) || response.statusText), { status: response.status });
  return body;
}
function newId() {
  return crypto.randomUUID().replaceAll('-', '').slice(0, 16);
}
function ago(ms) {
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return new Date(ms).toLocaleDateString();
}
function you(person) {
  return person && person.principal === me.principal ? 'you' : person ? person.name : 'someone';
}
function names(people) {
  const list = people.map(you);
  return list.length <= 1 ? (list[0] || '') : list.slice(0, -1).join(', ') + ' or ' + list[list.length - 1];
}

// ── the UI message stream protocol (what the AI SDK's processUIMessageStream does) ───────────
function applyChunk(message, chunk) {
  const parts = message.parts;
  const tool = (id) => parts.find((p) => (p.type.startsWith('tool-') || p.type === 'dynamic-tool') && p.toolCallId === id);
  switch (chunk.type) {
    case 'start': if (chunk.messageId) message.id = chunk.messageId; break;
    case 'text-start': parts.push({ type: 'text', text: '', state: 'streaming', streamId: chunk.id }); break;
    case 'text-delta': { const p = parts.findLast((x) => x.type === 'text' && x.streamId === chunk.id); if (p) p.text += chunk.delta; break; }
    case 'text-end': { const p = parts.findLast((x) => x.type === 'text' && x.streamId === chunk.id); if (p) p.state = 'done'; break; }
    case 'tool-input-available': {
      const p = tool(chunk.toolCallId);
      const next = { type: 'tool-' + chunk.toolName, toolCallId: chunk.toolCallId, title: chunk.title, input: chunk.input, state: 'input-available' };
      if (p) Object.assign(p, next); else parts.push(next);
      break;
    }
    case 'tool-approval-request': { const p = tool(chunk.toolCallId); if (p) { p.state = 'approval-requested'; p.approval = { id: chunk.approvalId }; } break; }
    case 'tool-output-available': { const p = tool(chunk.toolCallId); if (p) { p.state = 'output-available'; p.output = chunk.output; } break; }
    case 'tool-output-denied': { const p = tool(chunk.toolCallId); if (p) p.state = 'output-denied'; break; }
    case 'tool-output-error': { const p = tool(chunk.toolCallId); if (p) { p.state = 'output-error'; p.errorText = chunk.errorText; } break; }
    case 'error': message.error = chunk.errorText; break;
    default:
      if (chunk.type.startsWith('data-')) {
        const p = chunk.id !== undefined && parts.find((x) => x.type === chunk.type && x.id === chunk.id);
        if (p) p.data = chunk.data; else parts.push({ type: chunk.type, id: chunk.id, data: chunk.data });
      }
  }
}

/** Reads a UI message stream response into a message, re-rendering it as chunks arrive. */
async function consume(response, message, onMessage) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
        applyChunk(message, JSON.parse(line.slice(6)));
        onMessage(message);
      }
    }
  }
}

// ── rendering ─────────────────────────────────────────────────────────────────────────────────
function summary(input) {
  if (!input || typeof input !== 'object') return '';
  const rows = Object.entries(input).map(([k, v]) => '<span class="kv"><span class="muted">' + esc(k) + '</span> ' + esc(typeof v === 'string' ? v : JSON.stringify(v)) + '</span>');
  return rows.length ? '<div class="tool-input">' + rows.join('') + '</div>' : '';
}

function decisionText(card) {
  if (card.state === 'waiting') return '';
  if (card.state === 'expired') return 'Nobody decided in time: not done.';
  if (card.state === 'cancelled') return 'Cancelled: not done.';
  const how = VIA[card.via] ? ' ' + VIA[card.via] : '';
  const when = card.decidedAt ? ' · ' + ago(card.decidedAt) : '';
  const word = { approved: 'Approved', rejected: 'Rejected', answered: 'Answered', done: 'Decided' }[card.state] || 'Decided';
  return word + ' by ' + esc(you(card.decidedBy)) + esc(how) + esc(when) + (card.comment ? '<div class="quote">“' + esc(card.comment) + '”</div>' : '');
}

function mayAnswer(card) {
  if (!me.principal) return false;
  const mine = new Set([me.principal, ...(me.groups || [])]);
  if (card.asked.length > 0) return card.asked.some((p) => mine.has(p.principal));
  return !card.requester || card.requester.principal !== me.principal;
}

/** Who the credentials belong to, and their groups (GET /v1/me), when the server tells. */
async function whoAmI() {
  try {
    const who = await getJson('/v1/me');
    if (who.principal) me.principal = who.principal;
    me.groups = Array.isArray(who.groups) ? who.groups : [];
  } catch {
    // an older server: the principal named at sign-in
  }
}

function approvalBlock(card, part) {
  const state = card.state;
  const badge = '<span class="badge ' + (state === 'waiting' ? 'pending' : state === 'approved' || state === 'answered' || state === 'done' ? 'succeeded' : 'failed') + '">' +
    esc({ waiting: card.kind === 'question' ? 'Waiting for an answer' : 'Waiting for approval', approved: 'Approved', rejected: 'Rejected', answered: 'Answered', done: 'Decided', expired: 'Expired', cancelled: 'Cancelled' }[state]) + '</span>';
  let who;
  const own = card.requester && card.requester.principal === me.principal;
  if (card.asked.length > 0) who = 'Asked: ' + esc(names(card.asked));
  else if (state !== 'waiting') who = '';
  else who = own ? 'Anyone but you may approve it (you asked).' : 'Anyone may approve it.';
  const requester = card.requester && card.asked.length > 0 ? ' · requested by ' + esc(you(card.requester)) : '';
  let actions = '';
  if (state === 'waiting' && part && part.state === 'approval-requested' && mayAnswer(card)) {
    actions = '<div class="actions"><button class="primary" data-approve="' + esc(card.taskId) + '">Approve</button>' +
      '<button class="danger" data-reject="' + esc(card.taskId) + '">Reject…</button></div>' +
      '<form class="reject-form" data-reject-form="' + esc(card.taskId) + '" hidden><label>Why not?</label><input class="reason" required placeholder="The reason goes back to the agent">' +
      '<div class="actions"><button class="danger" type="submit">Reject</button></div></form>';
  } else if (state === 'waiting') {
    actions = '<div class="muted small">The card updates here when it is decided, wherever that happens.</div>';
  }
  return '<div class="approval" data-task-state="' + esc(state) + '"><div class="row">' + badge + '<strong>' + esc(card.title) + '</strong></div>' +
    (who || requester ? '<div class="muted small">' + who + requester + '</div>' : '') + (decisionText(card) ? '<div class="verdict ' + (state === 'approved' || state === 'answered' ? 'good' : state === 'done' ? '' : 'bad') + '">' + decisionText(card) + '</div>' : '') + actions + '</div>';
}

function toolCard(part, card) {
  const title = part.title || 'An action';
  const status = {
    'input-streaming': '<span class="muted">Preparing…</span>',
    'input-available': '<span class="muted">Working…</span>',
    'approval-requested': '',
    'approval-responded': '<span class="muted">Sending your answer…</span>',
    'output-available': '<span class="success">Done</span>',
    'output-denied': '<span class="error-text">Not done</span>',
    'output-error': '<span class="error-text">Failed: ' + esc(part.errorText || '') + '</span>',
  }[part.state] || '';
  return '<div class="tool-card" data-tool-state="' + esc(part.state) + '"><div class="row"><strong>' + esc(title) + '</strong>' + status + '</div>' +
    summary(part.input) + (card ? approvalBlock(card, part) : '') + '</div>';
}

function messageHtml(message) {
  if (message.role === 'user') {
    const text = message.parts.filter((p) => p.type === 'text').map((p) => p.text).join('\n');
    return '<div class="msg user" data-message-id="' + esc(message.id) + '"><div class="bubble">' + esc(text) + '</div></div>';
  }
  const cards = new Map();
  for (const p of message.parts) if (p.type === 'data-task' && p.data) cards.set(p.data.toolCallId || p.data.taskId, p.data);
  const shown = new Set();
  const body = message.parts.map((p) => {
    if (p.type === 'text') return p.text ? '<div class="bubble' + (p.state === 'streaming' ? ' streaming' : '') + '">' + esc(p.text) + '</div>' : '';
    if (p.type.startsWith('tool-') || p.type === 'dynamic-tool') {
      const card = cards.get(p.toolCallId);
      if (card) shown.add(card.taskId);
      return toolCard(p, card);
    }
    if (p.type === 'data-task' && p.data && !p.data.toolCallId && !shown.has(p.data.taskId)) return '<div class="tool-card">' + approvalBlock(p.data, undefined) + '</div>';
    return '';
  }).join('');
  return '<div class="msg assistant" data-message-id="' + esc(message.id) + '">' + body +
    (message.error ? '<div class="error">' + esc(message.error) + '</div>' : '') + '</div>';
}

/** "Try again" under the latest reply, once it is complete (not while it streams or waits for a decision). */
function markLatest() {
  view.querySelectorAll('.regenerate').forEach((b) => b.remove());
  const last = state.messages[state.messages.length - 1];
  if (!last || last.role !== 'assistant' || state.streaming) return;
  if (last.parts.some((p) => p.state === 'approval-requested' || p.state === 'approval-responded')) return;
  const el = view.querySelector('[data-message-id="' + CSS.escape(last.id) + '"]');
  el?.insertAdjacentHTML('beforeend', '<button type="button" class="link regenerate" data-regenerate="1">Try again</button>');
}

function renderMessage(message) {
  const el = view.querySelector('[data-message-id="' + CSS.escape(message.id) + '"]');
  if (el) el.outerHTML = messageHtml(message);
  else {
    const transcript = document.getElementById('transcript');
    transcript.querySelector('.empty')?.remove();
    transcript.insertAdjacentHTML('beforeend', messageHtml(message));
  }
  markLatest();
  scrollDown();
}

function renderTranscript() {
  const transcript = document.getElementById('transcript');
  transcript.innerHTML = state.messages.length === 0
    ? '<div class="empty"><p>Ask the banking agent. Transfers over $100 wait for a person to approve.</p><div class="suggestions">' +
      SUGGESTIONS.map((s) => '<button type="button" class="chip" data-suggest="' + esc(s) + '">' + esc(s) + '</button>').join('') + '</div></div>'
    : state.messages.map(messageHtml).join('');
  markLatest();
  scrollDown();
}

function scrollDown() {
  const transcript = document.getElementById('transcript');
  if (transcript) transcript.scrollTop = transcript.scrollHeight;
  window.scrollTo(0, document.body.scrollHeight);
}

function setBusy(busy) {
  state.streaming = busy;
  const button = document.querySelector('#composer button');
  if (button) button.disabled = busy;
  const t = document.getElementById('transcript');
  if (t) t.setAttribute('aria-busy', busy ? 'true' : 'false');
  markLatest();
}

function showError(text) {
  const el = document.getElementById('chat-error');
  if (el) el.textContent = text || '';
}

// ── talking to /v1/chat, as DefaultChatTransport does ────────────────────────────────────────
async function post(messages, messageId, target, trigger = 'submit-message') {
  setBusy(true);
  showError('');
  try {
    const response = await fetch('/v1/chat', {
      method: 'POST',
      headers: headers(true),
      body: JSON.stringify({ id: state.id, messages, trigger, messageId }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error((body.error && body.error.message) || response.statusText);
    }
    await consume(response, target, (m) => {
      if (!state.messages.includes(m)) state.messages.push(m);
      renderMessage(m);
    });
    loadThreads();
  } catch (error) {
    showError(error.message);
  } finally {
    setBusy(false);
  }
}

async function send(text) {
  const user = { id: newId(), role: 'user', parts: [{ type: 'text', text }] };
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
  view.querySelector('[data-message-id="' + CSS.escape(last.id) + '"]')?.remove();
  await post(state.messages, last.id, { id: '', role: 'assistant', parts: [] }, 'regenerate-message');
}

async function answer(taskId, approved, reason) {
  const message = state.messages.find((m) => m.parts.some((p) => p.approval && p.approval.id === taskId));
  if (!message) return;
  for (const p of message.parts) if (p.approval && p.approval.id === taskId) { p.state = 'approval-responded'; p.approval = { id: taskId, approved, ...(reason ? { reason } : {}) }; }
  renderMessage(message);
  await post(state.messages, message.id, message);
}

/** Resumes the active turn (the transport's reconnect): its message, replayed from its start. */
async function resume() {
  if (state.streaming || !state.id) return;
  const id = state.id;
  setBusy(true);
  try {
    const response = await fetch('/v1/chat/' + encodeURIComponent(id) + '/stream', { headers: headers(false) });
    if (response.status === 204 || !response.ok) {
      if (response.status === 204 && waitingCard()) await reload();
      return;
    }
    const fresh = { id: '', role: 'assistant', parts: [] };
    await consume(response, fresh, (m) => {
      if (id !== state.id) return;
      const index = state.messages.findIndex((x) => x.id === m.id);
      if (index >= 0) state.messages[index] = m; else if (m.id) state.messages.push(m);
      renderMessage(m);
    });
  } finally {
    setBusy(false);
  }
}

function waitingCard() {
  return state.messages.some((m) => m.parts.some((p) => p.type === 'data-task' && p.data && p.data.state === 'waiting'));
}

async function reload() {
  const body = await getJson('/v1/chat/' + encodeURIComponent(state.id));
  state.messages = body.messages;
  renderTranscript();
}

async function loadThreads() {
  const nav = document.getElementById('thread-list');
  if (!nav) return;
  try {
    const { items } = await getJson('/v1/chat');
    const current = items.some((t) => t.id === state.id) ? '' : '<a class="thread active" href="#/chat/' + esc(state.id) + '">New chat</a>';
    nav.innerHTML = current + items.map((t) => '<a class="thread' + (t.id === state.id ? ' active' : '') + '" href="#/chat/' + encodeURIComponent(t.id) + '">' +
      '<span class="thread-title">' + esc(t.title) + '</span><span class="muted small">' + esc(ago(t.updatedAt)) + '</span></a>').join('');
  } catch (error) {
    nav.innerHTML = '<p class="error small">' + esc(error.message) + '</p>';
  }
}

function layout() {
  view.innerHTML = '<div class="chat-layout" id="chat-page">' +
    '<aside class="threads" id="threads"><button type="button" class="primary" id="new-chat">New chat</button><nav id="thread-list"></nav></aside>' +
    '<section class="conversation"><div class="chat-head"><button type="button" id="show-threads" class="only-phone">Chats</button>' +
    '<h2>Banking assistant</h2></div>' +
    '<div id="transcript" aria-live="polite"></div>' +
    '<form id="composer"><input id="message" autocomplete="off" placeholder="Message the banking assistant" aria-label="Message">' +
    '<button class="primary" type="submit">Send</button></form><p class="error" id="chat-error"></p></section></div>';
  document.getElementById('new-chat').addEventListener('click', () => { location.hash = '#/chat/' + newId(); });
  document.getElementById('show-threads').addEventListener('click', () => document.getElementById('threads').classList.toggle('open'));
  document.getElementById('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('message');
    const text = input.value.trim();
    if (!text || state.streaming) return;
    input.value = '';
    send(text);
  });
  view.addEventListener('click', (event) => {
    const t = event.target;
    if (!(t instanceof HTMLElement)) return;
    if (t.dataset.suggest) { if (!state.streaming) send(t.dataset.suggest); return; }
    if (t.dataset.regenerate) { regenerate(); return; }
    if (t.dataset.approve) { answer(t.dataset.approve, true); return; }
    if (t.dataset.reject) {
      const form = view.querySelector('[data-reject-form="' + CSS.escape(t.dataset.reject) + '"]');
      if (form) { form.hidden = false; form.querySelector('input').focus(); }
    }
  });
  view.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.rejectForm) return;
    event.preventDefault();
    const reason = form.querySelector('input').value.trim();
    if (!reason) { form.querySelector('input').classList.add('invalid'); return; }
    answer(form.dataset.rejectForm, false, reason);
  });
}

/** Opens the chat page for '#/chat' or '#/chat/ID'. */
export async function chat(container, hash) {
  const match = /^#\/chat\/([A-Za-z0-9_-]{1,100})$/.exec(hash);
  if (!match) {
    const { items } = await getJson('/v1/chat').catch(() => ({ items: [] }));
    location.replace('#/chat/' + (items[0] ? items[0].id : newId()));
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
    if (error.status === 404) { state.messages = []; renderTranscript(); } else showError(error.message);
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
`;

/** The chat's styles (served at `/inbox/chat.css`). */
export const CHAT_STYLES = `
.chat-layout{display:grid;grid-template-columns:240px 1fr;gap:16px;align-items:start}
.threads{background:#fff;border:1px solid var(--line);border-radius:10px;padding:10px;position:sticky;top:70px}
.threads #new-chat{width:100%;margin-bottom:8px}
.thread{display:flex;flex-direction:column;padding:8px 10px;border-radius:8px;color:inherit;text-decoration:none}
.thread:hover{background:var(--bg)} .thread.active{background:#eef2ff}
.thread-title{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.regenerate{background:none;border:0;color:var(--accent);padding:4px 0;font-size:.88rem;cursor:pointer}
.conversation{background:#fff;border:1px solid var(--line);border-radius:10px;padding:12px 14px;min-width:0}
.chat-head{display:flex;gap:8px;align-items:center} .chat-head h2{margin:0}
#transcript{display:flex;flex-direction:column;gap:10px;padding:12px 0;min-height:40vh}
.msg{display:flex;flex-direction:column;gap:6px;max-width:85%}
.msg.user{align-self:flex-end;align-items:flex-end} .msg.assistant{align-self:flex-start}
.bubble{padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere}
.msg.user .bubble{background:var(--accent);color:#fff;border-bottom-right-radius:4px}
.msg.assistant .bubble{background:#f1f3f6;border-bottom-left-radius:4px}
.bubble.streaming::after{content:'▍';animation:blink 1s steps(1) infinite;color:var(--muted)}
@keyframes blink{50%{opacity:0}}
.tool-card{border:1px solid var(--line);border-radius:10px;padding:10px 12px;background:#fff;display:flex;flex-direction:column;gap:6px}
.tool-card .row{justify-content:space-between}
.tool-input{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.9rem}
.approval{border-top:1px dashed var(--line);padding-top:8px;display:flex;flex-direction:column;gap:4px}
.approval .row{justify-content:flex-start}
.verdict{font-size:.92rem;border-radius:8px;padding:6px 10px;background:var(--accent-soft,#eef3ff)}
.verdict.good{background:var(--ok-soft,#ecfdf3)} .verdict.bad{background:var(--bad-soft,#fef3f2)}
.quote{color:var(--muted);font-style:italic}
.small{font-size:.85rem} .success{color:var(--ok)} .error-text{color:var(--bad)}
.reject-form label{margin-top:4px}
.empty{color:var(--muted);text-align:center;padding:30px 0}
.suggestions{display:flex;flex-wrap:wrap;gap:8px;justify-content:center}
.chip{border-radius:999px;padding:6px 12px;font-size:.9rem}
#composer{display:flex;gap:8px;border-top:1px solid var(--line);padding-top:10px}
#composer input{flex:1;min-width:0} #composer button:disabled{opacity:.6}
.only-phone{display:none}
@media (max-width:700px){
  .chat-layout{grid-template-columns:1fr;gap:8px}
  .threads{display:none;position:static} .threads.open{display:block}
  .only-phone{display:inline-block;padding:6px 10px}
  .conversation{padding:10px}
  .msg{max-width:100%}
  .tool-card .actions button{flex:1}
}
`;
