// What text opencbr accepts to store, one rule for every protocol. Any stored string: no NUL (C tools,
// SQLite's text functions and log lines end the string there) and no UTF-16 surrogate outside a pair (it has
// no UTF-8 encoding, so it would come back as U+FFFD). A name, in addition: no control character, since
// names are shown in tables, logs and file listings where one would forge or break a line.
import { AppError } from './errors.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing NUL is the point
const NUL = /\u0000/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// A JSON escape, or a character CONTROL refuses that JSON lets through unescaped.
const ESCAPE_OR_C1 = /[\\\u007f-\u009f]/;

/** Why `s` cannot be stored as text, or null when it can. */
export function textProblem(s: string): string | null {
  if (NUL.test(s)) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(s)) return 'must not contain unpaired UTF-16 surrogates';
  return null;
}

/** Why `s` cannot be a name, or null when it can. */
export function nameProblem(s: string): string | null {
  return textProblem(s) ?? (CONTROL.test(s) ? 'must not contain control characters' : null);
}

/** JSON members that hold a name (`name`, `vault_name`, `resource_name`, …) under every protocol. */
export function isNameKey(key: string): boolean {
  return key === 'name' || key.endsWith('_name');
}

function refuse(at: string, problem: string): AppError {
  const field = at === '' ? 'body' : at;
  return new AppError('validation', `Invalid parameter ${field}: ${problem}`, { field });
}

/**
 * Whether a JSON text, decoded from valid UTF-8, can hold a string checkRequestText refuses. Such a string
 * needs an escape (`\u0000`, `\n`, a lone `\ud800`) or a raw U+007F–U+009F: JSON refuses raw U+0000–U+001F in
 * strings, and valid UTF-8 has no lone surrogate. One native scan instead of walking every value of a large body.
 */
export function jsonTextNeedsCheck(text: string): boolean {
  return ESCAPE_OR_C1.test(text);
}

/**
 * Checks every string of a parsed request (body, query) before anything reads it: member names and values
 * follow textProblem, values of name members follow nameProblem. Throws the 400 naming the first field at
 * fault. Iterative: a hostile body may nest thousands of levels deep.
 */
export function checkRequestText(value: unknown, field: string): void {
  const todo: Array<{ v: unknown; at: string; name: boolean }> = [{ v: value, at: field, name: false }];
  for (let item = todo.pop(); item !== undefined; item = todo.pop()) {
    const { v, at, name } = item;
    if (typeof v === 'string') {
      const problem = name ? nameProblem(v) : textProblem(v);
      if (problem) throw refuse(at, problem);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) todo.push({ v: v[i], at: `${at}[${i}]`, name: false });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, member] = entries[i]!;
        const keyProblem = textProblem(key);
        if (keyProblem) throw refuse(`${at === '' ? 'body' : at} member name`, keyProblem);
        todo.push({ v: member, at: at === '' ? key : `${at}.${key}`, name: isNameKey(key) });
      }
    }
  }
}
