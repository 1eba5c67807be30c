// Hostile requests for one operation of /openapi.json: a plausible request (path ids of the seeded world,
// a body sampled from the schema) with exactly one thing wrong: a path id (unknown, another project's,
// over-long, badly encoded, NUL, lone surrogate), a query value (wrong type, huge, negative, over-long,
// unknown enum), a body member (missing, wrong type, huge/negative number, over-long string, NUL,
// surrogate, control character, unknown enum, extra member), the whole body (malformed JSON, not UTF-8,
// wrong content type, deep nesting) or the credentials. Deterministic for a given seed.
import type { Rng } from './prng.js';

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI / JSON Schema documents under test
type J = any;

export interface Operation {
  method: string;
  path: string;
  op: J;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** What is wrong with it (for failure reports). */
  label: string;
}

export interface FuzzIds {
  /** A real id for a path parameter, by name and path template (null: none seeded). */
  real(name: string, path: string): string | null;
  /** An id of the same kind that belongs to the other project (null: none). */
  other(name: string, path: string): string | null;
  token: string;
}

const UNKNOWN_ID = 'f0000000-0000-4000-8000-00000000f022';

/** Every operation of the document, in document order. */
export function operationsOf(doc: J): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, J>>)) {
    for (const [method, op] of Object.entries(item)) {
      if (['get', 'put', 'post', 'delete', 'patch'].includes(method))
        out.push({ method: method.toUpperCase(), path, op });
    }
  }
  return out;
}

function deref(doc: J, s: J): J {
  let cur = s;
  while (cur && typeof cur.$ref === 'string') {
    cur = cur.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((o: J, k: string) => o?.[k], doc);
  }
  return cur ?? {};
}

/** The first branch of a union that is not null. */
function branch(doc: J, s: J): J {
  const x = deref(doc, s);
  const alts = x.anyOf ?? x.oneOf;
  if (Array.isArray(alts)) return branch(doc, alts.find((a: J) => deref(doc, a).type !== 'null') ?? alts[0]);
  return x;
}

/** A value the schema accepts, as small as it allows (required members only). */
export function sample(doc: J, schema: J): unknown {
  const s = branch(doc, schema);
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const k of s.required ?? []) out[k] = sample(doc, s.properties?.[k] ?? {});
      return out;
    }
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sample(doc, s.items ?? {}));
    case 'integer':
    case 'number':
      return s.minimum !== undefined ? Math.max(s.minimum, 1) : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default: {
      const min = s.minLength ?? 0;
      return 'fuzz'.padEnd(Math.max(4, min), 'z').slice(0, s.maxLength ?? 64);
    }
  }
}

interface Leaf {
  /** Member names (and array indexes) from the body's root. */
  at: Array<string | number>;
  schema: J;
  required: boolean;
}

/** Every member a body schema declares (arrays through their first item), to a bounded depth. */
function leaves(doc: J, schema: J, at: Array<string | number> = [], depth = 0): Leaf[] {
  const s = branch(doc, schema);
  const out: Leaf[] = [];
  if (depth > 6) return out;
  if (s.type === 'object' && s.properties) {
    for (const [k, sub] of Object.entries(s.properties as Record<string, J>)) {
      const here = [...at, k];
      out.push({ at: here, schema: sub, required: (s.required ?? []).includes(k) });
      out.push(...leaves(doc, sub, here, depth + 1));
    }
  } else if (s.type === 'array' && s.items) {
    out.push(...leaves(doc, s.items, [...at, 0], depth + 1));
  }
  return out;
}

/** `body` with the member at `at` set to `value` (or removed), creating the parents the sample omitted. */
function withMember(
  doc: J,
  root: J,
  body: unknown,
  at: Array<string | number>,
  value: unknown,
  remove = false,
): unknown {
  const copy = structuredClone(body) as J;
  let cur = copy;
  let schema = branch(doc, root);
  for (const [i, k] of at.entries()) {
    const last = i === at.length - 1;
    if (last) {
      if (remove) delete cur[k];
      else cur[k] = value;
      break;
    }
    const next = branch(doc, typeof k === 'number' ? schema.items : schema.properties?.[k]);
    if (cur[k] === undefined || cur[k] === null || typeof cur[k] !== 'object') {
      cur[k] = next.type === 'array' ? [sample(doc, next.items ?? {})] : sample(doc, next);
    }
    if (Array.isArray(cur[k]) && typeof at[i + 1] === 'number' && cur[k].length === 0) {
      cur[k].push(sample(doc, next.items ?? {}));
    }
    cur = cur[k];
    schema = next;
  }
  return copy;
}

const HUGE = '99999999999999999999';

/** Values that are wrong for a member of this schema. */
function badValues(doc: J, schema: J, name: string): Array<{ label: string; value: unknown }> {
  const s = branch(doc, schema);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  const out: Array<{ label: string; value: unknown }> = [];
  switch (type) {
    case 'string': {
      out.push({ label: 'number for string', value: 12345 });
      out.push({ label: 'NUL in string', value: 'fu\u0000zz' });
      out.push({ label: 'lone surrogate', value: 'fu\ud800zz' });
      out.push({ label: '10k string', value: 'x'.repeat(10_000) });
      if (s.maxLength !== undefined) out.push({ label: 'maxLength+1', value: 'x'.repeat(s.maxLength + 1) });
      if (name === 'name' || name.endsWith('_name'))
        out.push({ label: 'control char in name', value: 'fu\u0007zz' });
      if (Array.isArray(s.enum) || Array.isArray(deref(doc, schema).anyOf)) {
        out.push({ label: 'unknown enum', value: 'zz-not-a-value' });
      }
      break;
    }
    case 'integer':
    case 'number':
      out.push({ label: 'string for number', value: 'abc' });
      out.push({ label: 'huge number', value: Number(HUGE) });
      out.push({ label: 'huge negative', value: -Number(HUGE) });
      out.push({ label: 'negative', value: -1 });
      if (type === 'integer') out.push({ label: 'fraction', value: 1.5 });
      break;
    case 'boolean':
      out.push({ label: 'string for boolean', value: 'maybe' });
      out.push({ label: 'number for boolean', value: 2 });
      break;
    case 'array':
      out.push({ label: 'object for array', value: {} });
      out.push({ label: 'string for array', value: 'x' });
      if (s.maxItems !== undefined) {
        out.push({
          label: 'maxItems+1',
          value: Array.from({ length: s.maxItems + 1 }, () => sample(doc, s.items ?? {})),
        });
      }
      break;
    case 'object':
      out.push({ label: 'string for object', value: 'x' });
      out.push({ label: 'array for object', value: [] });
      if (s.additionalProperties === false)
        out.push({ label: 'extra member', value: { ...(sample(doc, s) as object), zz_extra: 1 } });
      break;
    default:
      break;
  }
  return out;
}

const PATH_VALUES: Array<{ label: string; raw: string }> = [
  { label: 'id of 101 chars', raw: 'a'.repeat(101) },
  { label: 'id of 501 chars', raw: 'a'.repeat(501) },
  { label: 'id of 10k chars', raw: 'a'.repeat(10_000) },
  { label: 'bad percent-encoding', raw: '%ZZ' },
  { label: 'truncated percent-encoding', raw: 'ab%E' },
  { label: 'encoded NUL', raw: 'a%00b' },
  { label: 'encoded lone surrogate', raw: '%ED%A0%80' },
  { label: 'encoded slash traversal', raw: '..%2F..%2Fetc' },
];

const QUERY_VALUES: Array<{ label: string; raw: string }> = [
  { label: 'not a number', raw: 'abc' },
  { label: 'huge', raw: HUGE },
  { label: 'negative', raw: '-1' },
  { label: 'fraction', raw: '1.5' },
  { label: '10k chars', raw: 'q'.repeat(10_000) },
  { label: 'encoded NUL', raw: 'a%00b' },
  { label: 'bad percent-encoding', raw: '%ZZ' },
  { label: 'encoded lone surrogate', raw: '%ED%A0%80' },
  { label: 'unknown enum', raw: 'zz-not-a-value' },
  { label: 'empty', raw: '' },
];

/** Query parameters every list takes somewhere, tried on every GET besides the declared ones. */
const COMMON_QUERY = ['limit', 'offset', 'marker', 'sort', 'name'];

export interface GenerateOptions {
  doc: J;
  ids: FuzzIds;
  rng: Rng;
  /** At most this many requests per operation (a seeded sample of all it could send). */
  perOperation: number;
}

/** The hostile requests for one operation. */
export function hostileRequests(o: Operation, g: GenerateOptions): FuzzRequest[] {
  const { doc, ids } = g;
  const params = (o.op.parameters ?? []) as Array<{ in: string; name: string; schema?: J }>;
  const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name);
  const safe = o.method === 'GET';
  const bodySchema = o.op.requestBody?.content?.['application/json']?.schema;
  const baseBody = bodySchema ? sample(doc, bodySchema) : undefined;

  const pathWith = (name?: string, raw?: string) =>
    o.path.replace(/\{([^}]+)\}/g, (_m, p: string) => {
      if (p === name) return raw!;
      return encodeURIComponent(ids.real(p, o.path) ?? UNKNOWN_ID);
    });
  const headers = (extra: Record<string, string> = {}) => ({ 'x-auth-token': ids.token, ...extra });
  const json = (body: unknown) => ({ 'content-type': 'application/json', payload: JSON.stringify(body) });
  const withBody = (label: string, url: string, body = baseBody): FuzzRequest => {
    if (body === undefined) return { method: o.method, url, headers: headers(), label };
    const j = json(body);
    return {
      method: o.method,
      url,
      headers: headers({ 'content-type': j['content-type'] }),
      payload: j.payload,
      label,
    };
  };

  const all: FuzzRequest[] = [];
  // Path ids.
  for (const p of pathParams) {
    const wrong = [
      { label: 'unknown id', raw: p === 'project_id' ? 'f0000000000040008000000000000f22' : UNKNOWN_ID },
      ...PATH_VALUES,
    ];
    const other = ids.other(p, o.path);
    if (other) wrong.push({ label: "another project's id", raw: encodeURIComponent(other) });
    if (p === 'protectable_type') wrong.push({ label: 'unknown type', raw: 'bogus' });
    for (const v of wrong) all.push(withBody(`path ${p}: ${v.label}`, pathWith(p, v.raw)));
  }
  // Query values: declared parameters on every method; the common list parameters on reads only
  // (a write with an unknown parameter and a valid body would rightly succeed).
  const declared = params.filter((p) => p.in === 'query').map((p) => p.name);
  const queryNames = safe ? [...new Set([...declared, ...COMMON_QUERY])] : declared;
  for (const q of queryNames) {
    for (const v of QUERY_VALUES) all.push(withBody(`query ${q}: ${v.label}`, `${pathWith()}?${q}=${v.raw}`));
    all.push(withBody(`query ${q}: repeated`, `${pathWith()}?${q}=1&${q}=2`));
  }
  if (safe) all.push(withBody('query: unknown parameter with NUL', `${pathWith()}?zz_unknown=%00`));
  // Credentials.
  all.push({ ...withBody('no token', pathWith()), headers: withBody('', pathWith()).headers });
  delete all[all.length - 1]!.headers['x-auth-token'];
  all.push({
    ...withBody('garbage token', pathWith()),
    headers: { ...withBody('', pathWith()).headers, 'x-auth-token': 'garbage' },
  });
  // Body members and the body as a whole.
  if (bodySchema) {
    const url = pathWith();
    for (const leaf of leaves(doc, bodySchema)) {
      const name = String(leaf.at[leaf.at.length - 1]);
      const where = leaf.at.join('.');
      if (leaf.required)
        all.push(
          withBody(
            `body ${where}: missing`,
            url,
            withMember(doc, bodySchema, baseBody, leaf.at, undefined, true),
          ),
        );
      for (const v of badValues(doc, leaf.schema, name)) {
        all.push(
          withBody(`body ${where}: ${v.label}`, url, withMember(doc, bodySchema, baseBody, leaf.at, v.value)),
        );
      }
    }
    const top = branch(doc, bodySchema);
    if (top.additionalProperties === false) {
      all.push(withBody('body: extra member at the root', url, { ...(baseBody as object), zz_extra: 'x' }));
    }
    const raw = (label: string, payload: string | Buffer, contentType = 'application/json'): FuzzRequest => ({
      method: o.method,
      url,
      headers: headers({ 'content-type': contentType }),
      payload,
      label: `body: ${label}`,
    });
    all.push(raw('truncated JSON', '{"a":'));
    all.push(raw('JSON array', '[]'));
    all.push(raw('JSON null', 'null'));
    all.push(raw('JSON string', '"fuzz"'));
    all.push(raw('JSON number', '12'));
    if ((top.required ?? []).length > 0) all.push(raw('empty object', '{}'));
    all.push(raw('deep nesting', `${'['.repeat(5000)}${']'.repeat(5000)}`));
    all.push(raw('not UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])));
    all.push(raw('NUL byte outside strings', '{"a":1}\u0000'));
    if (top.additionalProperties === false) {
      all.push(raw('duplicate members', `{"zz":1,"zz":2,${JSON.stringify(baseBody).slice(1)}`));
    }
    all.push(raw('valid body as text/plain', JSON.stringify(baseBody), 'text/plain'));
    all.push(raw('valid body as form', 'a=1&b=2', 'application/x-www-form-urlencoded'));
    all.push(raw('valid body as XML', '<a/>', 'application/xml'));
    all.push({
      method: o.method,
      url,
      headers: headers(),
      payload: JSON.stringify(baseBody),
      label: 'body: no content type',
    });
  }
  return g.rng.sample(all, g.perOperation);
}
