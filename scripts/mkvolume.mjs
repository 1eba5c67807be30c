#!/usr/bin/env node
// Deterministic synthetic disk images for tests, benches and demos (needs `npm run build` first).
// usage: node scripts/mkvolume.mjs OUT SIZE_MIB [SEED]
//        node scripts/mkvolume.mjs --mutate IMG PERCENT [SEED] [EXTENTS_JSON]
// The mutation overwrites PERCENT % of IMG in 64 KiB writes and writes the changed extents [[offset, length], ...]
// (sorted, merged) to EXTENTS_JSON, as a changed-block tracker would report them.
import { writeFileSync } from 'node:fs';
import { makeVolume, mutateVolume } from '../dist/src/engine/testing/volume-generator.js';

const args = process.argv.slice(2);
if (args[0] === '--mutate') {
  const [, img, percent, seed, out] = args;
  if (!img || !percent) {
    console.error('usage: mkvolume.mjs --mutate IMG PERCENT [SEED] [EXTENTS_JSON]');
    process.exit(2);
  }
  const extents = await mutateVolume(img, Number(percent), seed ? Number(seed) : 2);
  if (out) writeFileSync(out, JSON.stringify(extents));
} else {
  const [out, mib, seed] = args;
  if (!out || !mib) {
    console.error('usage: mkvolume.mjs OUT SIZE_MIB [SEED]');
    process.exit(2);
  }
  await makeVolume(out, Number(mib), seed ? Number(seed) : 1);
}
