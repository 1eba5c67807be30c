import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, parseListen } from '../../src/config.js';

test('defaults', () => {
  const c = loadConfig({}, '/srv/opencbr');
  assert.deepEqual(c.listen, { host: '127.0.0.1', port: 8080 });
  assert.equal(c.dataDir, '/srv/opencbr/data');
  assert.equal(c.catalogPath, '/srv/opencbr/data/catalog.sqlite');
  assert.equal(c.masterKeyFile, '/srv/opencbr/data/master.key');
  assert.deepEqual(c.volumeRoots, []);
  assert.equal(c.adminPassword, null);
  assert.equal(c.cinderListen, null);
  assert.equal(c.tokenTtlSeconds, 86400);
});

test('environment', () => {
  const c = loadConfig(
    {
      OPENCBR_LISTEN: '0.0.0.0:9000',
      OPENCBR_DATA: 'state',
      OPENCBR_VOLUME_ROOTS: '/dev/mapper:images::/srv/vols',
      OPENCBR_ADMIN_PASSWORD: 'pw-pw-pw-pw',
      OPENCBR_MASTER_KEY_FILE: '/etc/opencbr/key',
      OPENCBR_CINDER_LISTEN: '[::1]:8776',
      OPENCBR_TOKEN_TTL: '3600',
    },
    '/w',
  );
  assert.deepEqual(c.listen, { host: '0.0.0.0', port: 9000 });
  assert.equal(c.dataDir, path.resolve('/w/state'));
  assert.deepEqual(c.volumeRoots, ['/dev/mapper', '/w/images', '/srv/vols']);
  assert.equal(c.adminPassword, 'pw-pw-pw-pw');
  assert.equal(c.masterKeyFile, '/etc/opencbr/key');
  assert.deepEqual(c.cinderListen, { host: '::1', port: 8776 });
  assert.equal(c.tokenTtlSeconds, 3600);
});

test('bad values are refused with the variable named', () => {
  for (const v of ['8080', 'host:', 'host:99999', ':x', 'a:b:c']) {
    assert.throws(
      () => parseListen(v, 'OPENCBR_LISTEN'),
      (e: Error) => e instanceof ConfigError && /OPENCBR_LISTEN/.test(e.message),
      v,
    );
  }
  assert.throws(() => loadConfig({ OPENCBR_TOKEN_TTL: '-5' }), /OPENCBR_TOKEN_TTL/);
  assert.throws(() => loadConfig({ OPENCBR_CATALOG_URL: 'mysql://db/opencbr' }), /OPENCBR_CATALOG_URL/);
  assert.equal(loadConfig({}).catalogUrl, null, 'unset: the SQLite file');
  assert.equal(
    loadConfig({ OPENCBR_CATALOG_URL: 'postgres://u@h:5432/d' }).catalogUrl,
    'postgres://u@h:5432/d',
  );
  assert.throws(() => loadConfig({ OPENCBR_JOB_CONCURRENCY: 'two' }), /OPENCBR_JOB_CONCURRENCY/);
});

test('object store: s3:// with endpoint, region and keys; filesystem when unset; bad values refused', () => {
  assert.equal(loadConfig({}, '/w').s3, null);
  const c = loadConfig(
    {
      OPENCBR_OBJECT_STORE: 's3://opencbr-backups/site-a/',
      OPENCBR_S3_ENDPOINT: 'http://127.0.0.1:7480',
      OPENCBR_S3_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'ak',
      AWS_SECRET_ACCESS_KEY: 'sk',
    },
    '/w',
  );
  assert.deepEqual(c.s3, {
    bucket: 'opencbr-backups',
    prefix: 'site-a',
    endpoint: 'http://127.0.0.1:7480',
    region: 'eu-west-1',
    credentials: { accessKeyId: 'ak', secretAccessKey: 'sk' },
  });
  assert.deepEqual(loadConfig({ OPENCBR_OBJECT_STORE: 's3://b-1' }, '/w').s3, {
    bucket: 'b-1',
    prefix: '',
    endpoint: null,
    region: 'us-east-1',
    credentials: null,
  });
  for (const bad of ['file:///x', 's3://', 's3://UPPER', 's3://b/sp ace']) {
    assert.throws(() => loadConfig({ OPENCBR_OBJECT_STORE: bad }, '/w'), ConfigError, bad);
  }
  assert.throws(
    () => loadConfig({ OPENCBR_OBJECT_STORE: 's3://bkt', OPENCBR_S3_ENDPOINT: 'ftp://x' }, '/w'),
    ConfigError,
  );
  assert.throws(
    () => loadConfig({ OPENCBR_OBJECT_STORE: 's3://bkt', AWS_ACCESS_KEY_ID: 'ak' }, '/w'),
    ConfigError,
  );
});
