// @ts-check
/**
 * Who is signed in in this browser, and how requests say so (browser module, shared by the inbox,
 * the chat and the outbox): the principal (development mode) or the API key that the sign-in
 * keeps in localStorage, sent as `X-Heed-Principal` or `Authorization: Bearer`.
 */

/** The credentials the sign-in keeps (`heed.principal`, `heed.key`). */
export const me = {
  principal: localStorage.getItem('heed.principal') || '',
  key: localStorage.getItem('heed.key') || '',
};

/** Whether the person named a principal or pasted a key. */
export function signedIn() {
  return Boolean(me.principal || me.key);
}

/**
 * Keeps new credentials, in this page and in localStorage.
 * @param {string} principal
 * @param {string} key
 */
export function remember(principal, key) {
  me.principal = principal;
  me.key = key;
  localStorage.setItem('heed.principal', principal);
  localStorage.setItem('heed.key', key);
}

/**
 * The headers that say who asks, and through which channel (`X-Heed-Via`) an answer comes.
 * @param {{ via?: string, json?: boolean, accept?: string }} [options]
 * @returns {Record<string, string>}
 */
export function authHeaders(options = {}) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (options.accept) headers.accept = options.accept;
  if (me.key) headers.authorization = `Bearer ${me.key}`;
  else if (me.principal) headers['x-heed-principal'] = me.principal;
  if (options.json) headers['content-type'] = 'application/json';
  if (options.via) headers['x-heed-via'] = options.via;
  return headers;
}

/** A refusal of the API: its message, status, code and the invalid fields (`issues`). */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   * @param {string | undefined} code
   * @param {{ path: string, message: string }[]} issues
   */
  constructor(message, status, code, issues) {
    super(message);
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

/**
 * Calls the API as the signed-in person and resolves with the JSON body.
 * @template T
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {string} [via] the channel an answer is recorded under (default `inbox`)
 * @returns {Promise<T>}
 * @throws {ApiError} when the server refuses
 */
export async function api(method, path, body, via = 'inbox') {
  const response = await fetch(path, {
    method,
    headers: authHeaders({ via, json: body !== undefined }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  /** @type {{ error?: { message?: string, code?: string, issues?: { path: string, message: string }[] } }} */
  const json = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ApiError(
      json.error?.message || `${response.status} ${response.statusText}`,
      response.status,
      json.error?.code,
      json.error?.issues || [],
    );
  }
  return /** @type {T} */ (json);
}

/**
 * Opens a streaming GET (SSE) with the signed-in credentials; the caller reads the body.
 * @param {string} path
 * @param {AbortSignal} [signal]
 */
export function openStream(path, signal) {
  return fetch(path, { headers: authHeaders({ accept: 'text/event-stream' }), signal });
}
