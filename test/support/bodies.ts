// CBR request bodies several end-to-end tests send the same way.

/** CreateVault for a crash-consistent disk backup vault of `sizeGb` holding the given volumes. */
export function diskVaultBody(name: string, volumeIds: string[], sizeGb = 10) {
  return {
    vault: {
      name,
      billing: {
        consistent_level: 'crash_consistent',
        object_type: 'disk',
        protect_type: 'backup',
        size: sizeGb,
      },
      resources: volumeIds.map((id) => ({ id, type: 'OS::Cinder::Volume' })),
    },
  };
}
