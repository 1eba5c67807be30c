// HSS's `last_days` filters count back from the service's clock (the context's injected one), the clock the
// policy runner and the job queue use, so a pass and a listing agree on what "the last day" is.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN_PASSWORD,
  type Harness,
  cbrDiskCheckpoint,
  declareVolume,
  issueToken,
  startHarness,
  waitFor,
} from '../cinder/harness.js';

const DAY = 86_400_000;

describe('HSS last_days and the injected clock', () => {
  let h: Harness;
  let offsetMs = 0;
  let volumeId: string;

  const list = async (lastDays: number, token: string) => {
    const r = await h.app.inject({
      method: 'GET',
      url: `/v5/${h.adminProjectId}/ransomware/backup/${volumeId}?offset=0&limit=10&last_days=${lastDays}`,
      headers: { 'x-auth-token': token },
    });
    assert.equal(r.statusCode, 200, r.body);
    return (r.json() as { total_num: number }).total_num;
  };

  before(async () => {
    h = await startHarness({ now: () => new Date(Date.now() + offsetMs) });
    volumeId = (await declareVolume(h, 'clock-disk', 256 * 1024, 3)).id;
    await cbrDiskCheckpoint(h, volumeId, 'clock-vault');
    await waitFor(async () => (await list(1, h.adminToken)) === 1);
  });
  after(async () => {
    await h.close();
  });

  it('a backup made two days ago on the service clock is outside last_days=1', async () => {
    offsetMs = 2 * DAY;
    // Tokens expire on the same clock: a fresh one for the later day.
    const token = await issueToken(h.app, 'admin', ADMIN_PASSWORD, 'admin');
    assert.equal(await list(1, token), 0);
    assert.equal(await list(3, token), 1);
  });
});
