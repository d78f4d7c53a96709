// @ts-check
/**
 * Task descriptions as HTML (browser module): Markdown through `marked`, with raw HTML shown as
 * text and links and images only to http(s) and mailto (no `javascript:` in a description).
 */
import { marked } from './marked.js';
import { esc } from './words.js';

marked.use({
  renderer: { html: (token) => esc(token.text ?? token.raw ?? '') },
  walkTokens: (token) => {
    if (
      (token.type === 'link' || token.type === 'image') &&
      !/^(https?:|mailto:)/i.test(String(token.href || '').trim())
    ) {
      token.href = '#';
    }
  },
});

/**
 * Markdown text as safe HTML.
 * @param {string} text
 */
export function markdown(text) {
  return /** @type {string} */ (marked.parse(text, { async: false }));
}
