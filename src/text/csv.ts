/**
 * CSV (RFC 4180): a header row and one row per record, fields quoted when they hold a comma, a
 * quote or a line break. A text field that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`
 * first) gets a leading `'`, so an exported title cannot execute in Excel or Sheets.
 */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const field = (value: unknown): string => {
    let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [header, ...rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}
