// Cinder version documents: GET / (300, every version) and GET /v3/ (200, the v3 entry).
import { MAX_MICROVERSION, MIN_MICROVERSION } from './microversion.js';

export function v3Entry(root: string) {
  return {
    id: 'v3.0',
    status: 'CURRENT',
    version: MAX_MICROVERSION,
    min_version: MIN_MICROVERSION,
    updated: '2023-08-31T00:00:00Z',
    links: [
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      { rel: 'self', href: `${root}/v3/` },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
  };
}

export function versionsDocument(root: string) {
  return { versions: [v3Entry(root)] };
}
