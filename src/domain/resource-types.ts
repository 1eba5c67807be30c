// The OpenStack resource type names every protocol shows for opencbr's two resource kinds (CBR's
// resource_type and vault resources, HSS backups, the CLI), and back.
import type { ResourceKind } from './cbr-model.js';

export const RESOURCE_TYPES = {
  server: 'OS::Nova::Server',
  volume: 'OS::Cinder::Volume',
} as const satisfies Record<ResourceKind, string>;

export type ResourceType = (typeof RESOURCE_TYPES)[ResourceKind];

export const RESOURCE_TYPE_NAMES: readonly ResourceType[] = Object.values(RESOURCE_TYPES);

export function resourceTypeOf(kind: ResourceKind): ResourceType {
  return RESOURCE_TYPES[kind];
}

/** The kind a resource type names, or null for any other type. */
export function resourceKindOf(type: string): ResourceKind | null {
  if (type === RESOURCE_TYPES.server) return 'server';
  if (type === RESOURCE_TYPES.volume) return 'volume';
  return null;
}
