// SetVaultResource: a suspended resource is skipped by the vault's policy (reported in the automatic
// checkpoint's skipped_resources), still backed up by a manual checkpoint, and back in the next slot once
// unsuspended. The scheduler is driven with explicit times.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runDuePolicies } from '../../src/services/policy-runs.js';
import { protocolDeps } from '../../src/services/protocol-deps.js';
import { type Harness, type J, MiB, createVault, startHarness } from './helpers.js';

const DAY = 86_400_000;
let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

test('suspend and unsuspend: policies skip a suspended resource, manual backups do not', async () => {
  const P = h.a.projectId;
  const one = await h.volume('sr-one', MiB);
  const two = await h.volume('sr-two', MiB);
  const vault = await createVault(
    h,
    'disk',
    [
      { id: one.id, type: 'OS::Cinder::Volume' },
      { id: two.id, type: 'OS::Cinder::Volume' },
    ],
    'sr-vault',
  );
  const url = `/v3/${P}/vaults/${vault.id}/set-resources`;
  const set = await h.req('PUT', url, { body: { resource_ids: [two.id, two.id], action: 'suspend' } });
  assert.equal(set.status, 200, set.body);
  assert.deepEqual(set.json, { set_resource_ids: [two.id] });

  const policy = await h.req('POST', `/v3/${P}/policies`, {
    body: {
      policy: {
        name: 'sr',
        operation_type: 'backup',
        operation_definition: { max_backups: 10 },
        trigger: { properties: { pattern: ['FREQ=DAILY;BYHOUR=3;BYMINUTE=00'] } },
      },
    },
  });
  assert.equal(policy.status, 200, policy.body);
  const p = policy.json.policy;
  await h.req('POST', `/v3/${P}/vaults/${vault.id}/associatepolicy`, { body: { policy_id: p.id } });
  const created = Date.parse(`${p.trigger.properties.start_time.replace(' ', 'T')}Z`);
  const slot1 = new Date(Math.floor(created / DAY) * DAY + DAY + 3 * 3_600_000 + 60_000);
  const deps = protocolDeps(h.ctx);
  const [run] = (await runDuePolicies(deps, slot1)).filter((r) => r.policyId === p.id);
  assert.ok(run?.checkpointId, JSON.stringify(run));
  await h.drain();
  const cp = (await h.req('GET', `/v3/${P}/checkpoints/${run.checkpointId}`)).json.checkpoint;
  assert.deepEqual(
    (cp.vault.resources as J[]).map((r) => r.id),
    [one.id],
  );
  const skipped = cp.vault.skipped_resources as J[];
  assert.deepEqual(
    skipped.map((s) => s.id),
    [two.id],
  );
  assert.match(skipped[0].reason, /suspended/);
  const backedUp = async () =>
    ((await h.req('GET', `/v3/${P}/backups?vault_id=${vault.id}`)).json.backups as J[]).map(
      (b) => `${b.resource_id}:${b.extend_info.auto_trigger}`,
    );
  assert.deepEqual(await backedUp(), [`${one.id}:true`]);

  // A manual checkpoint backs up every resource, suspended or not.
  const manual = await h.req('POST', `/v3/${P}/checkpoints`, {
    body: { checkpoint: { vault_id: vault.id, parameters: { name: 'manual' } } },
  });
  assert.equal(manual.status, 200, manual.body);
  assert.deepEqual(manual.json.checkpoint.vault.skipped_resources, []);
  await h.drain();

  // Unsuspended: the next slot backs it up again.
  assert.equal(
    (await h.req('PUT', url, { body: { resource_ids: [two.id], action: 'unsuspend' } })).status,
    200,
  );
  const [run2] = (await runDuePolicies(deps, new Date(slot1.getTime() + DAY))).filter(
    (r) => r.policyId === p.id,
  );
  assert.ok(run2?.checkpointId);
  await h.drain();
  const autos = (await backedUp()).filter((x) => x.endsWith(':true'));
  assert.deepEqual(autos.sort(), [`${one.id}:true`, `${one.id}:true`, `${two.id}:true`].sort());

  // Refusals: a resource not in the vault, an unknown action, another project's vault.
  const stranger = await h.req('PUT', url, { body: { resource_ids: ['not-in-vault'], action: 'suspend' } });
  assert.equal(stranger.status, 400);
  assert.equal(stranger.json.error_code, 'BackupService.6135');
  const bad = await h.req('PUT', url, { body: { resource_ids: [one.id], action: 'pause' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error_code, 'BackupService.9900');
  const foreign = await h.req('PUT', `/v3/${h.b.projectId}/vaults/${vault.id}/set-resources`, {
    token: h.b.token,
    body: { resource_ids: [one.id], action: 'suspend' },
  });
  assert.equal(foreign.status, 404);
});
