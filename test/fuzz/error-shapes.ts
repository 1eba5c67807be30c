// The error body each protocol answers with, by the URL space a request falls in (as the app routes them).
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of responses under test
type J = any;

export type Protocol = 'keystone' | 'cinder' | 'hss' | 'cbr';

export function protocolOf(url: string): Protocol {
  if (/^\/(identity|v3\/auth|v3\/projects|v3\/users)([/?]|$)/.test(url)) return 'keystone';
  if (url === '/volume' || url.startsWith('/volume/') || url.startsWith('/volume?')) return 'cinder';
  if (url === '/v5' || url.startsWith('/v5/') || url.startsWith('/v5?')) return 'hss';
  return 'cbr';
}

const isText = (v: unknown) => typeof v === 'string' && v.length > 0;

/** Why `body` is not `protocol`'s error body for `status`, or null when it is. */
export function errorShapeProblem(protocol: Protocol, status: number, body: string): string | null {
  let j: J;
  try {
    j = JSON.parse(body);
  } catch {
    return `not JSON: ${body.slice(0, 120)}`;
  }
  if (j === null || typeof j !== 'object' || Array.isArray(j)) return `not an object: ${body.slice(0, 120)}`;
  const keys = Object.keys(j);
  switch (protocol) {
    case 'keystone': {
      const e = j.error;
      if (keys.length !== 1 || !e || e.code !== status || !isText(e.message) || !isText(e.title)) {
        return `not a Keystone error body: ${body.slice(0, 160)}`;
      }
      return null;
    }
    case 'cinder': {
      const f = keys.length === 1 ? j[keys[0]!] : null;
      if (!f || f.code !== status || !isText(f.message) || Object.keys(f).length !== 2) {
        return `not a Cinder fault: ${body.slice(0, 160)}`;
      }
      return null;
    }
    case 'hss':
      if (keys.length !== 2 || !/^HSS\.\d{4}$/.test(j.error_code) || !isText(j.error_msg)) {
        return `not an HSS error body: ${body.slice(0, 160)}`;
      }
      return null;
    case 'cbr':
      if (keys.length !== 2 || !/^(BackupService|APIGW)\.\d{4}$/.test(j.error_code) || !isText(j.error_msg)) {
        return `not a CBR error body: ${body.slice(0, 160)}`;
      }
      return null;
  }
}
