/**
 * renderTable prints rows the way calicoctl does (`ps` output): upper-case
 * headers, columns padded with three spaces, no borders.
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n') + '\n';
}

/**
 * renderCalicoctlTable reproduces calicoctl's `get` table byte for byte: Go's
 * tabwriter (minwidth 5, padding 3, pad with spaces) over a template where
 * every cell, the last one included, is tab-terminated, so every column
 * (the last too) is padded to its widest cell plus three spaces.
 */
export function renderCalicoctlTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(5, ...all.map((r) => (r[i] ?? '').length + 3)));
  return all.map((r) => headers.map((_, i) => (r[i] ?? '').padEnd(widths[i]!)).join('') + '\n').join('');
}
