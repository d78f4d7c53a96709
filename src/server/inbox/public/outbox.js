// @ts-check
/**
 * The outbox page's script (browser module) when API keys are configured: the page holds no
 * notice; this asks `GET /v1/outbox` with the API key the inbox's sign-in keeps in this browser,
 * and shows what the server lets that key see (admins: everyone's notices).
 */
import { ApiError, api, me } from './session.js';

const main = /** @type {HTMLElement} */ (document.getElementById('outbox'));

/**
 * Says why nothing is shown, with a link to sign in when that helps.
 * @param {string} text
 * @param {string} [link]
 */
function say(text, link) {
  main.innerHTML = '';
  const box = document.createElement('div');
  box.className = 'empty';
  box.id = 'outbox-status';
  box.textContent = `${text} `;
  if (link) {
    const a = document.createElement('a');
    a.href = '/#/signin';
    a.textContent = link;
    box.append(a);
  }
  main.append(box);
}

if (!me.key) {
  say('The outbox shows the notices of everyone, so only to admins.', 'Sign in with the API key of an admin');
} else {
  try {
    /** @type {{ html: string }} */
    const body = await api('GET', '/v1/outbox');
    main.innerHTML = body.html;
  } catch (error) {
    const status = error instanceof ApiError ? error.status : 0;
    const message = /** @type {Error} */ (error).message;
    if (status === 401 || status === 403) say(message || 'Only admins may see the outbox.', 'Sign in as an admin');
    else say(message);
  }
}
