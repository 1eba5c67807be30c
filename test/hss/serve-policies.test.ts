// The serving process runs HSS backup policies: startServer starts the policy scheduler with the process's
// clock, and a pass at a due slot backs up the protection vault (nothing before the first slot).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { type RunningServer, startServer } from '../../src/cli/server.js';
import { loadConfig } from '../../src/config.js';
import { ADMIN_PASSWORD, issueToken, waitFor, writeImage } from '../cinder/harness.js';
import { testCatalogEnv } from '../support/catalog.js';

const DAY = 86_400_000;

describe('serve runs backup policies', () => {
  let server: RunningServer;
  let offsetMs = 0;
  let token: string;
  let P: string;
  let serverId: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opencbr-serve-policies-'));

  const call = (method: string, url: string, payload?: object) =>
    server.app.inject({
      method: method as 'GET',
      url,
      headers: { 'x-auth-token': token },
      ...(payload ? { payload } : {}),
    });
  const hostBackups = async () =>
    (
      (await call('GET', `/v5/${P}/ransomware/backup/${serverId}?offset=0&limit=100`)).json() as {
        data_list: Array<{ backup_status: string }>;
      }
    ).data_list;

  before(async () => {
    const volumes = path.join(dir, 'volumes');
    fs.mkdirSync(volumes, { recursive: true });
    const config = loadConfig(
      {
        OPENCBR_DATA: path.join(dir, 'data'),
        ...(await testCatalogEnv(dir)),
        OPENCBR_VOLUME_ROOTS: volumes,
        OPENCBR_ADMIN_PASSWORD: ADMIN_PASSWORD,
        OPENCBR_LISTEN: '127.0.0.1:0',
      },
      dir,
    );
    server = await startServer(config, pino({ level: 'silent' }), {
      now: () => new Date(Date.now() + offsetMs),
    });
    P = server.adminProjectId!;
    token = await issueToken(server.app, 'admin', ADMIN_PASSWORD, 'admin');
    const file = path.join(volumes, 'sched.img');
    writeImage(file, 256 * 1024, 9);
    const vol = await call('POST', `/opencbr/v1/${P}/volumes`, { volume: { name: 'sched', path: file } });
    assert.equal(vol.statusCode < 300, true, vol.body);
    const volumeId = (vol.json() as { volume: { id: string } }).volume.id;
    const srv = await call('POST', `/opencbr/v1/${P}/servers`, {
      server: { name: 'sched', volume_ids: [volumeId] },
    });
    serverId = (srv.json() as { server: { id: string } }).server.id;
    const open = await call('POST', `/v5/${P}/ransomware/protection/open`, {
      operating_system: 'Linux',
      ransom_protection_status: 'closed',
      backup_protection_status: 'opened',
      backup_cycle: {
        operation_definition: { max_backups: 3 },
        // Half a day away from now, so no slot falls between the policy's creation and the first pass.
        trigger: {
          properties: { pattern: [`FREQ=DAILY;BYHOUR=${(new Date().getUTCHours() + 12) % 24};BYMINUTE=0`] },
        },
      },
      agent_id_list: [],
      host_id_list: [serverId],
    });
    assert.equal(open.statusCode, 200, open.body);
  });
  after(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes no backup before the first slot', async () => {
    await server.policies.tick();
    assert.deepEqual(await hostBackups(), []);
  });

  it('backs the host up at the first slot on the process clock', async () => {
    offsetMs = 2 * DAY;
    token = await issueToken(server.app, 'admin', ADMIN_PASSWORD, 'admin');
    await server.policies.tick();
    const list = await waitFor(async () => {
      const l = await hostBackups();
      return l.length === 1 && l[0]!.backup_status === 'available' ? l : null;
    });
    assert.equal(list.length, 1);
    await server.policies.tick();
    assert.equal((await hostBackups()).length, 1, 'the same slot runs once');
  });
});
