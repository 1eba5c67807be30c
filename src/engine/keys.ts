import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { dirname } from 'node:path';
import { ObjectExistsError, ObjectNotFoundError, type ObjectStore } from '../objects/index.js';
import { WrongKeyError } from './errors.js';
import { MAGIC, NONCE_LEN, TAG_LEN } from './format.js';

/** Where the master key comes from: a key file (created 0600 on first use) or the bytes themselves. */
export type MasterKeySource = { keyFile: string } | { key: Buffer };

export async function loadMasterKey(src: MasterKeySource): Promise<Buffer> {
  if ('key' in src) {
    if (src.key.length !== 32) throw new WrongKeyError('master key must be 32 bytes');
    return Buffer.from(src.key);
  }
  let text: string;
  try {
    text = await fsp.readFile(src.keyFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await fsp.mkdir(dirname(src.keyFile), { recursive: true, mode: 0o700 });
    const fresh = randomBytes(32).toString('hex');
    try {
      await fsp.writeFile(src.keyFile, `${fresh}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code !== 'EEXIST') throw e2;
    }
    text = await fsp.readFile(src.keyFile, 'utf8');
  }
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex))
    throw new WrongKeyError(`key file ${src.keyFile} does not hold 64 hex digits`);
  return Buffer.from(hex, 'hex');
}

export interface VaultKeys {
  vaultUid: string;
  idKey: Buffer;
  encKey: Buffer;
  nameKey: Buffer;
}

function derive(dataKey: Buffer, uid: Buffer): VaultKeys {
  const k = (info: string) => Buffer.from(hkdfSync('sha256', dataKey, uid, info, 32));
  return {
    vaultUid: uid.toString('hex'),
    idKey: k('opencbr chunk-id v1'),
    encKey: k('opencbr encrypt v1'),
    nameKey: k('opencbr names v1'),
  };
}

function wrap(master: Buffer, vaultId: string, secret: Buffer): Buffer {
  const nonce = randomBytes(NONCE_LEN);
  const c = createCipheriv('aes-256-gcm', master, nonce);
  c.setAAD(Buffer.from(`opencbr vault-key v1 ${vaultId}`));
  const ct = Buffer.concat([c.update(secret), c.final()]);
  return Buffer.concat([Buffer.from(MAGIC.vaultKey, 'latin1'), nonce, ct, c.getAuthTag()]);
}

function unwrap(master: Buffer, vaultId: string, data: Buffer): Buffer {
  if (data.length !== 8 + NONCE_LEN + 48 + TAG_LEN || data.toString('latin1', 0, 8) !== MAGIC.vaultKey) {
    throw new WrongKeyError(`vault ${vaultId}: key object is malformed`);
  }
  const d = createDecipheriv('aes-256-gcm', master, data.subarray(8, 8 + NONCE_LEN));
  d.setAAD(Buffer.from(`opencbr vault-key v1 ${vaultId}`));
  d.setAuthTag(data.subarray(data.length - TAG_LEN));
  try {
    return Buffer.concat([d.update(data.subarray(8 + NONCE_LEN, data.length - TAG_LEN)), d.final()]);
  } catch {
    throw new WrongKeyError(`vault ${vaultId}: the master key does not open this vault's key`);
  }
}

/** Loads the vault's data key, creating it (put-if-absent, so concurrent creators agree) on first use. */
export async function openVaultKeys(
  store: ObjectStore,
  master: Buffer,
  vaultId: string,
  prefix: string,
): Promise<VaultKeys> {
  const key = `${prefix}keys/vault-key`;
  for (;;) {
    try {
      const secret = unwrap(master, vaultId, await store.get(key));
      return derive(secret.subarray(16), secret.subarray(0, 16));
    } catch (e) {
      if (!(e instanceof ObjectNotFoundError)) throw e;
    }
    const secret = randomBytes(48);
    try {
      await store.put(key, wrap(master, vaultId, secret), { ifAbsent: true });
      return derive(secret.subarray(16), secret.subarray(0, 16));
    } catch (e) {
      if (!(e instanceof ObjectExistsError)) throw e;
    }
  }
}
