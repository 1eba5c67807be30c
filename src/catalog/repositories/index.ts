// The SQL implementations of the CBR repositories over one Kysely handle (the database or a transaction).
import type { Kysely } from 'kysely';
import type { CbrRepositories } from '../../domain/ports/cbr-repositories.js';
import { SqlBackupRepository } from './backups.js';
import { SqlCheckpointRepository } from './checkpoints.js';
import { SqlMemberRepository } from './members.js';
import { SqlOperationLogRepository } from './oplogs.js';
import { SqlPolicyRepository } from './policies.js';
import type { CbrDb } from './sql.js';
import { SqlTagRepository } from './tags.js';
import { SqlVaultRepository } from './vaults.js';

// biome-ignore lint/suspicious/noExplicitAny: accepts the app's composed Database, which includes the CBR tables.
export function sqlCbrRepositories(db: Kysely<any>): CbrRepositories {
  const d = db as CbrDb;
  return {
    vaults: new SqlVaultRepository(d),
    checkpoints: new SqlCheckpointRepository(d),
    backups: new SqlBackupRepository(d),
    oplogs: new SqlOperationLogRepository(d),
    policies: new SqlPolicyRepository(d),
    members: new SqlMemberRepository(d),
    tags: new SqlTagRepository(d),
  };
}

export { SqlBackupRepository, SqlCheckpointRepository, SqlOperationLogRepository, SqlVaultRepository };
