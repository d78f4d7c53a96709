import { stripVTControlCharacters, styleText } from 'node:util';
import { isNegative } from '../text/outcomes.ts';

type Color = Parameters<typeof styleText>[0];

/**
 * Removes control characters (ESC sequences, OSC, C1) from text that came from elsewhere (task
 * titles, descriptions) before it reaches a terminal; keeps newlines and tabs.
 */
export function clean(text: unknown): string {
  let out = '';
  for (const ch of String(text)) {
    const code = ch.codePointAt(0) ?? 0;
    if (code === 10 || code === 9 || (code >= 32 && code !== 127 && (code < 128 || code > 159))) out += ch;
  }
  return out;
}

/** Colour only when a person is reading (a TTY, and NO_COLOR unset). */
export function paint(color: Color, text: string, stream: NodeJS.WriteStream = process.stdout): string {
  return stream.isTTY && !process.env.NO_COLOR ? styleText(color, text) : text;
}

const STATUS_COLOR: Record<string, Color> = {
  pending: 'yellow',
  waiting: 'yellow',
  running: 'cyan',
  resolved: 'green',
  succeeded: 'green',
  expired: 'red',
  failed: 'red',
  blocked: 'magenta',
  cancelled: 'gray',
};

/**
 * A status in its colour; a task resolved with a no (`outcome` reject, deny, failed,
 * request_changes) is red, never green like a success.
 */
export function status(value: string, outcome?: string | null): string {
  return paint(value === 'resolved' && isNegative(outcome) ? 'red' : (STATUS_COLOR[value] ?? 'white'), value);
}

/** A plain text table: columns padded to their widest cell (colour codes do not count). */
export function table(headers: string[], rows: string[][]): string {
  const visible = (s: string) => stripVTControlCharacters(s).length;
  const widths = headers.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - visible(cell))))
      .join('  ')
      .trimEnd();
  return [paint('bold', line(headers)), ...rows.map(line)].join('\n');
}

export function when(epochMs: number | null | undefined): string {
  return epochMs ? new Date(epochMs).toISOString().replace('T', ' ').slice(0, 19) : '-';
}
