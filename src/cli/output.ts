// CLI output: a table (cli-table3) for people, JSON (--json) for scripts.
import Table from 'cli-table3';

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function printRows<T>(
  rows: T[],
  columns: Column<T>[],
  opts: { json?: boolean; jsonValue?: unknown },
): void {
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(opts.jsonValue ?? rows, null, 2)}\n`);
    return;
  }
  const table = new Table({ head: columns.map((c) => c.header), style: { head: [], border: [] } });
  for (const r of rows) table.push(columns.map((c) => cell(c.value(r))));
  process.stdout.write(`${table.toString()}\n`);
}

/** One object as a two-column Field/Value table. */
export function printObject(obj: Record<string, unknown>, opts: { json?: boolean }): void {
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(obj, null, 2)}\n`);
    return;
  }
  const table = new Table({ head: ['Field', 'Value'], style: { head: [], border: [] } });
  for (const [k, v] of Object.entries(obj)) table.push([k, cell(v)]);
  process.stdout.write(`${table.toString()}\n`);
}
