// One engine operation in its own process, so the bench can measure its wall time and peak RSS like restic's.
// Usage: node opencbr-run.js '<json: {op, store, keyFile, stateDir, vault, backupId, source?, parent?, extentsFile?, target?}>'
import { readFileSync } from 'node:fs';
import { openEngine } from '../../src/engine/index.js';
import { FsObjectStore } from '../../src/objects/index.js';

interface Args {
  op: 'backup' | 'restore' | 'delete' | 'gc' | 'verify';
  store: string;
  keyFile: string;
  stateDir: string;
  vault: string;
  backupId?: string;
  source?: string;
  parent?: string;
  extentsFile?: string;
  target?: string;
}

const a = JSON.parse(process.argv[2]!) as Args;
const engine = await openEngine({
  store: new FsObjectStore(a.store),
  masterKey: { keyFile: a.keyFile },
  stateDir: a.stateDir,
});
const vault = await engine.vault(a.vault);
let result: unknown;
switch (a.op) {
  case 'backup':
    result = await vault.backup({
      backupId: a.backupId!,
      source: a.source!,
      parentBackupId: a.parent ?? null,
      changedExtents: a.extentsFile ? JSON.parse(readFileSync(a.extentsFile, 'utf8')) : null,
    });
    break;
  case 'restore':
    result = await vault.restore({ backupId: a.backupId!, target: a.target! });
    break;
  case 'delete':
    result = await vault.deleteBackup(a.backupId!);
    break;
  case 'gc':
    result = await vault.gc();
    break;
  case 'verify':
    result = await vault.verify(a.backupId!);
    break;
}
await engine.close();
process.stdout.write(`${JSON.stringify(result ?? null)}\n`);
