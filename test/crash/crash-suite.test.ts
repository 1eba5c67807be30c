// Crash suite: a real `opencbr serve` child is killed with SIGKILL at random points (seeded: the seed is
// printed, OPENCBR_CRASH_SEED repeats a run) of backups, restores, deletes and the gc a delete runs, and
// started again on the same data after each kill. After each restart, once the server has settled, nothing
// is left protecting/restoring/deleting, no job is left running, and every `available` backup restores
// byte-identical to the volume as it was backed up. At the end, every backup is deleted and, after the gc,
// the vaults' stores hold no pack and no segment.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openCatalogDb } from '../../src/catalog/db.js';
import { MIB, Rng, makeVolume, mutateVolume } from '../../src/engine/testing/volume-generator.js';
import { type J as Json, tempDir } from '../iam/helpers.js';
import { type ServeChild, adminToken, startServe } from '../support/serve.js';

const SEED = Number(process.env.OPENCBR_CRASH_SEED ?? Date.now() % 2 ** 31);
const TRIALS = Number(process.env.OPENCBR_CRASH_TRIALS ?? 30);
const LEASE_TTL_MS = 1500;
const PASSWORD = 'Crash-suite-1';
const TRANSIENT = new Set([
  'protecting',
  'waiting_protect',
  'restoring',
  'waiting_restore',
  'deleting',
  'waiting_delete',
]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Object files (`.obj`) under a directory, recursively. */
function objectFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.obj'))
    .map((e) => path.join(e.parentPath, e.name));
}

interface Slot {
  vaultId: string;
  source: { id: string; path: string };
  scratch: { id: string; path: string };
}

type Op = 'backup' | 'restore' | 'delete' | 'gc';

test(
  'crash suite: random kill -9 across backup, restore, delete and gc',
  { timeout: 15 * 60_000 },
  async () => {
    const t0 = Date.now();
    console.log(`crash suite: seed ${SEED} (OPENCBR_CRASH_SEED=${SEED} repeats it), ${TRIALS} trials`);
    const rng = new Rng(SEED);
    const dir = tempDir('opencbr-crash-suite-');
    const vols = path.join(dir, 'vols');
    fs.mkdirSync(vols);
    const env = {
      OPENCBR_DATA: path.join(dir, 'data'),
      OPENCBR_VOLUME_ROOTS: vols,
      OPENCBR_ADMIN_PASSWORD: PASSWORD,
      OPENCBR_ENGINE_LEASE_TTL_MS: String(LEASE_TTL_MS),
    };
    let server: ServeChild = await startServe(env);
    const db = await openCatalogDb(path.join(dir, 'data', 'catalog.sqlite'));
    const failures: string[] = [];
    const expected = new Map<string, { sha: string; slot: Slot }>();
    const kills: string[] = [];
    try {
      const { token, projectId: P } = await adminToken(server, PASSWORD);
      const api = (method: string, url: string, body?: unknown) => server.call(method, url, token, body);
      const must = async (method: string, url: string, body?: unknown): Promise<Json> => {
        const r = await api(method, url, body);
        if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${r.text}`);
        return r.json;
      };
      const declare = async (name: string, file: string) =>
        (await must('POST', `/opencbr/v1/${P}/volumes`, { volume: { name, path: file } })).volume
          .id as string;

      // Two vaults, each backing up one generated volume; restores go to a scratch volume of the same size.
      const slots: Slot[] = [];
      for (const [i, mib] of [8, 8].entries()) {
        const src = path.join(vols, `source${i}.img`);
        await makeVolume(src, mib, SEED + i);
        const scratch = path.join(vols, `scratch${i}.img`);
        fs.writeFileSync(scratch, '');
        fs.truncateSync(scratch, mib * MIB);
        const sourceId = await declare(`source${i}`, src);
        const scratchId = await declare(`scratch${i}`, scratch);
        const vault = await must('POST', `/v3/${P}/vaults`, {
          vault: {
            name: `crash${i}`,
            billing: {
              consistent_level: 'crash_consistent',
              object_type: 'disk',
              protect_type: 'backup',
              size: 10,
            },
            resources: [{ id: sourceId, type: 'OS::Cinder::Volume' }],
          },
        });
        slots.push({
          vaultId: vault.vault.id,
          source: { id: sourceId, path: src },
          scratch: { id: scratchId, path: scratch },
        });
      }
      const slotOf = (vaultId: string) => slots.find((s) => s.vaultId === vaultId)!;

      const listBackups = async (): Promise<Json[]> =>
        (await must('GET', `/v3/${P}/backups?limit=1000`)).backups as Json[];

      /** Waits until no backup is in a transient status and no job is running or due; returns the backups. */
      const settle = async (what: string): Promise<Json[]> => {
        const end = Date.now() + 90_000;
        for (;;) {
          const backups = await listBackups();
          const now = new Date().toISOString();
          const jobs = await db.selectFrom('jobs').select(['kind', 'status', 'run_after']).execute();
          const busyJobs = jobs.filter(
            (j) => j.status === 'running' || (j.status === 'queued' && j.run_after <= now),
          );
          const transient = backups.filter((b) => TRANSIENT.has(b.status));
          if (transient.length === 0 && busyJobs.length === 0) return backups;
          if (Date.now() > end) {
            throw new Error(
              `${what}: not settled after 90 s: ${transient.map((b) => `${b.id} ${b.status}`).join(', ')} ${busyJobs
                .map((j) => `${j.kind} ${j.status}`)
                .join(', ')}`,
            );
          }
          await sleep(100);
        }
      };

      /** Restores every available backup to its vault's scratch volume and compares the bytes. */
      const verifyAvailable = async (label: string, backups: Json[]) => {
        const available = backups.filter((b) => b.status === 'available');
        for (const b of available) {
          if (!expected.has(b.id))
            failures.push(`${label}: backup ${b.id} is available but was never created`);
        }
        // One restore per vault at a time (each has one scratch volume); the two vaults in parallel.
        await Promise.all(
          slots.map(async (slot) => {
            for (const b of available.filter((x) => x.vault_id === slot.vaultId && expected.has(x.id))) {
              await must('POST', `/v3/${P}/backups/${b.id}/restore`, {
                restore: { volume_id: slot.scratch.id },
              });
              const end = Date.now() + 60_000;
              for (;;) {
                const st = (await must('GET', `/v3/${P}/backups/${b.id}`)).backup.status;
                if (st === 'available') break;
                if (Date.now() > end) throw new Error(`${label}: restore of ${b.id} stuck in ${st}`);
                await sleep(50);
              }
              const ops = (await must('GET', `/v3/${P}/operation-logs?operation_type=restore&limit=1`))
                .operation_logs as Json[];
              const got = sha256(slot.scratch.path);
              if (got !== expected.get(b.id)!.sha) {
                failures.push(
                  `${label}: backup ${b.id} restored different bytes (restore log ${ops[0]?.status})`,
                );
              }
            }
          }),
        );
        return available.length;
      };

      const pick = <T>(xs: T[]): T => xs[rng.below(xs.length)]!;
      const schedule: Op[] = [];
      for (let trial = 1; trial <= TRIALS; trial++) {
        const backups = (await listBackups()).filter((b) => !TRANSIENT.has(b.status));
        const available = backups.filter((b) => b.status === 'available');
        // Each block of four trials runs the four kinds in a random order (a kind with too little to act on
        // becomes a backup), so every kind gets its share of kills whatever the seed.
        if (schedule.length === 0) {
          const kinds: Op[] = ['backup', 'restore', 'delete', 'gc'];
          while (kinds.length > 0) schedule.push(kinds.splice(rng.below(kinds.length), 1)[0]!);
        }
        let op: Op = schedule.shift()!;
        if (available.length >= 4) op = rng.below(2) === 0 ? 'delete' : 'gc';
        if (op === 'restore' && available.length === 0) op = 'backup';
        // Deletes keep a couple of backups around, so that restores (and incrementals) have parents to use.
        if ((op === 'delete' || op === 'gc') && backups.length < 2) op = 'backup';
        let detail: string;
        let delayMs: number;
        if (op === 'backup') {
          const slot = pick(slots);
          if (rng.below(2) === 0) await mutateVolume(slot.source.path, 10, SEED * 31 + trial);
          const sha = sha256(slot.source.path);
          const cp = await must('POST', `/v3/${P}/checkpoints`, { checkpoint: { vault_id: slot.vaultId } });
          const b = (await must('GET', `/v3/${P}/backups?checkpoint_id=${cp.checkpoint.id}`)).backups[0];
          expected.set(b.id, { sha, slot });
          delayMs = rng.below(900);
          detail = `backup ${b.id.slice(0, 8)} of vault ${slots.indexOf(slot)}`;
        } else if (op === 'restore') {
          const b = pick(available);
          const slot = slotOf(b.vault_id);
          await must('POST', `/v3/${P}/backups/${b.id}/restore`, { restore: { volume_id: slot.scratch.id } });
          delayMs = rng.below(700);
          detail = `restore ${b.id.slice(0, 8)}`;
        } else {
          const b = pick(backups);
          const r = await api('DELETE', `/v3/${P}/backups/${b.id}`);
          if (r.status !== 204)
            failures.push(`trial ${trial}: DELETE ${b.id} answered ${r.status} ${r.text}`);
          if (op === 'gc') {
            // The delete job drops the catalog rows, then runs gc: kill in that part.
            const end = Date.now() + 20_000;
            while ((await api('GET', `/v3/${P}/backups/${b.id}`)).status !== 404 && Date.now() < end)
              await sleep(5);
            delayMs = rng.below(120);
          } else {
            delayMs = rng.below(300);
          }
          detail = `${op === 'gc' ? 'gc after delete of' : 'delete'} ${b.id.slice(0, 8)} (${b.status})`;
        }
        await sleep(delayMs);
        await server.stop('SIGKILL');
        kills.push(`trial ${trial}: ${detail}, killed after ${delayMs} ms`);
        console.log(`crash suite: ${kills[kills.length - 1]}`);

        const tRestart = Date.now();
        server = await startServe(env);
        const tStarted = Date.now();
        const settled = await settle(`trial ${trial}`);
        const tSettled = Date.now();
        const checked = await verifyAvailable(`trial ${trial}`, settled);
        const after = await settle(`trial ${trial} (after the restores)`);
        const timing = `restart ${tStarted - tRestart} ms, settle ${tSettled - tStarted} ms, restores ${Date.now() - tSettled} ms`;
        const counts = after.reduce<Record<string, number>>((a, b) => {
          a[b.status] = (a[b.status] ?? 0) + 1;
          return a;
        }, {});
        console.log(
          `crash suite: trial ${trial} settled: ${JSON.stringify(counts)}, ${checked} restored byte-identical (${timing})`,
        );
      }

      // The end: every backup deleted, one gc pass (the deletes' own, and the follow-up a dead lease defers).
      for (const b of await listBackups()) {
        const r = await api('DELETE', `/v3/${P}/backups/${b.id}`);
        if (r.status !== 204) failures.push(`final delete of ${b.id}: ${r.status} ${r.text}`);
      }
      await settle('final deletes');
      const vaultDirs = slots.map((s) => path.join(dir, 'data', 'objects', 'vaults', s.vaultId));
      const leftovers = () =>
        vaultDirs.flatMap((d) => [
          ...objectFiles(path.join(d, 'packs')),
          ...objectFiles(path.join(d, 'segments')),
        ]);
      const end = Date.now() + 3 * LEASE_TTL_MS + 20_000;
      while (leftovers().length > 0 && Date.now() < end) await sleep(200);
      await settle('final gc');
      const left = leftovers();
      if (left.length > 0)
        failures.push(
          `after deleting everything, ${left.length} packs/segments remain: ${left.slice(0, 3).join(', ')}`,
        );
      // Temp files of puts cut short by a kill are invisible to the store; gc removes them once a TTL old.
      const temps = vaultDirs.flatMap((d) =>
        fs.existsSync(d)
          ? fs.readdirSync(d, { recursive: true }).filter((f) => String(f).endsWith('.tmp'))
          : [],
      );
      console.log(
        `crash suite: ${temps.length} temp files of interrupted puts left (gc removes them once a lease TTL old)`,
      );
      const manifests = vaultDirs.flatMap((d) => objectFiles(path.join(d, 'backups')));
      if (manifests.length > 0) failures.push(`${manifests.length} manifests remain`);
      console.log(
        `crash suite: seed ${SEED}, ${kills.length} kills, ${expected.size} backups created, ${failures.length} failures, ${Math.round((Date.now() - t0) / 1000)} s`,
      );
      for (const f of failures) console.log(`crash suite FAILURE: ${f}`);
      assert.deepEqual(failures, [], `seed ${SEED}`);
    } finally {
      await db.destroy();
      await server.stop('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
