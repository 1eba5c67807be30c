// The README's first hour: the admin password chosen with OPENCBR_ADMIN_PASSWORD applies when the admin user is
// created; a later start with another one says so instead of leaving every login to fail with 401.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { describeEndpoints, startServer } from '../../src/cli/server.js';
import { loadConfig } from '../../src/config.js';

describe('first start and the admin password', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opencbr-first-start-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const start = (password: string | undefined) =>
    startServer(
      loadConfig(
        {
          OPENCBR_DATA: path.join(dir, 'data'),
          OPENCBR_LISTEN: '127.0.0.1:0',
          ...(password ? { OPENCBR_ADMIN_PASSWORD: password } : {}),
        },
        dir,
      ),
      pino({ level: 'silent' }),
    );

  it('prints a generated password once, then warns when OPENCBR_ADMIN_PASSWORD is not the admin password', async () => {
    const first = await start(undefined);
    const generated = first.generatedAdminPassword;
    assert.ok(generated);
    assert.match(describeEndpoints(first), new RegExp(`admin password is ${generated}`));
    await first.close();

    const late = await start('chosen-after-the-first-start');
    assert.equal(late.generatedAdminPassword, null);
    assert.equal(late.adminPasswordIgnored, true);
    assert.match(describeEndpoints(late), /Warning: OPENCBR_ADMIN_PASSWORD is not the admin password/);
    await late.close();

    const same = await start(generated);
    assert.equal(same.adminPasswordIgnored, false);
    assert.doesNotMatch(describeEndpoints(same), /Warning/);
    await same.close();
  });
});
