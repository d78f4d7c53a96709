import { Marked, type Token, type Tokens } from 'marked';
import { escapeHtml } from './escape-html.ts';

/**
 * Task descriptions are Markdown. Each channel shows them its own way, from the same `marked`
 * parse the web inbox uses: HTML for email and link pages (raw HTML shown as text; links and
 * images only to http(s) and mailto, as in the inbox), plain text for text parts and terminals,
 * and Slack's mrkdwn (which is not Markdown: `*bold*`, `_italic_`, `<url|text>`).
 */

/** Links and images may only point at http(s) and mailto: no `javascript:` in a description. */
function safeHref(href: string | null | undefined): string | undefined {
  const trimmed = String(href ?? '').trim();
  return /^(https?:|mailto:)/i.test(trimmed) ? trimmed : undefined;
}

const html = new Marked({
  renderer: { html: (token) => escapeHtml(token.text ?? token.raw ?? '') },
  walkTokens: (token) => {
    if ((token.type === 'link' || token.type === 'image') && !safeHref(token.href)) token.href = '#';
  },
});

/** Markdown as safe HTML (email, link pages). */
export function markdownHtml(text: string): string {
  return html.parse(text, { async: false }).trim();
}

/** The tokens of a Markdown text (GitHub-flavoured, as the inbox reads it). */
function tokens(text: string): Token[] {
  return html.lexer(text);
}

/** How one output format writes inline marks and blocks. */
interface Writer {
  text(text: string): string;
  strong(inner: string): string;
  em(inner: string): string;
  del(inner: string): string;
  code(text: string): string;
  link(inner: string, href: string | undefined, plain: string): string;
  codeBlock(text: string): string;
  heading(inner: string): string;
  bullet(index: number, ordered: boolean, start: number): string;
}

function inline(list: readonly Token[] | undefined, w: Writer): string {
  return (list ?? [])
    .map((t) => {
      switch (t.type) {
        case 'strong':
          return w.strong(inline((t as Tokens.Strong).tokens, w));
        case 'em':
          return w.em(inline((t as Tokens.Em).tokens, w));
        case 'del':
          return w.del(inline((t as Tokens.Del).tokens, w));
        case 'codespan':
          return w.code((t as Tokens.Codespan).text);
        case 'link': {
          const link = t as Tokens.Link;
          return w.link(inline(link.tokens, w), safeHref(link.href), link.text);
        }
        case 'image':
          return w.text((t as Tokens.Image).text);
        case 'br':
          return '\n';
        case 'text': {
          const text = t as Tokens.Text;
          return text.tokens ? inline(text.tokens, w) : w.text(text.text);
        }
        default:
          return w.text('text' in t && typeof t.text === 'string' ? t.text : t.raw);
      }
    })
    .join('');
}

function blocks(list: readonly Token[], w: Writer): string[] {
  const out: string[] = [];
  for (const t of list) {
    switch (t.type) {
      case 'space':
        break;
      case 'paragraph':
        out.push(inline((t as Tokens.Paragraph).tokens, w));
        break;
      case 'heading':
        out.push(w.heading(inline((t as Tokens.Heading).tokens, w)));
        break;
      case 'code':
        out.push(w.codeBlock((t as Tokens.Code).text));
        break;
      case 'list': {
        const list = t as Tokens.List;
        const start = typeof list.start === 'number' ? list.start : 1;
        const items = list.items.map((item, i) => {
          const [first = '', ...rest] = blocks(item.tokens, w).join('\n').split('\n');
          return [`${w.bullet(i, list.ordered, start)}${first}`, ...rest.map((line) => `   ${line}`)].join('\n');
        });
        out.push(items.join('\n'));
        break;
      }
      case 'blockquote':
        out.push(
          blocks((t as Tokens.Blockquote).tokens, w)
            .join('\n')
            .split('\n')
            .map((line) => `> ${line}`)
            .join('\n'),
        );
        break;
      case 'hr':
        out.push('———');
        break;
      case 'table': {
        const table = t as Tokens.Table;
        const row = (cells: Tokens.TableCell[]) => cells.map((c) => inline(c.tokens, w)).join(' | ');
        out.push([row(table.header), ...table.rows.map(row)].join('\n'));
        break;
      }
      case 'text': {
        const text = t as Tokens.Text;
        out.push(text.tokens ? inline(text.tokens, w) : w.text(text.text));
        break;
      }
      default:
        out.push(w.text(t.raw.trim()));
    }
  }
  return out;
}

/** Blocks separated by a blank line. */
function join(parts: string[]): string {
  return parts
    .join('\n\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const PLAIN: Writer = {
  text: (text) => text,
  strong: (inner) => inner,
  em: (inner) => inner,
  del: (inner) => inner,
  code: (text) => text,
  link: (inner, href, plain) => (href && href !== plain && href !== `mailto:${plain}` ? `${inner} (${href})` : inner),
  codeBlock: (text) =>
    text
      .split('\n')
      .map((line) => `    ${line}`)
      .join('\n'),
  heading: (inner) => inner,
  bullet: (i, ordered, start) => (ordered ? `${start + i}. ` : '- '),
};

/** Markdown as plain text (email text parts, terminals): no marks, links as "text (url)". */
export function markdownText(text: string): string {
  return join(blocks(tokens(text), PLAIN));
}

/** Slack mrkdwn escaping (`&`, `<`, `>`). */
export const mrkdwnEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const MRKDWN: Writer = {
  text: mrkdwnEscape,
  strong: (inner) => `*${inner}*`,
  em: (inner) => `_${inner}_`,
  del: (inner) => `~${inner}~`,
  code: (text) => `\`${mrkdwnEscape(text)}\``,
  link: (inner, href) => (href ? `<${mrkdwnEscape(href)}|${inner.replace(/[|>]/g, ' ')}>` : inner),
  codeBlock: (text) => `\`\`\`\n${mrkdwnEscape(text)}\n\`\`\``,
  heading: (inner) => `*${inner}*`,
  bullet: (i, ordered, start) => (ordered ? `${start + i}. ` : '• '),
};

/** Markdown as Slack mrkdwn: bold, italic, strike, code, links, lists and quotes as Slack writes them. */
export function markdownMrkdwn(text: string): string {
  return join(blocks(tokens(text), MRKDWN));
}
