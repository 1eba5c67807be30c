// Checkpoints (restore points) of a vault (cbr_checkpoints).
import type { Checkpoint, CheckpointResource } from '../../domain/cbr-model.js';
import type { CheckpointRepository } from '../../domain/ports/cbr-repositories.js';
import { checkpointToRow, rowToCheckpoint } from './rows.js';
import type { CbrDb } from './sql.js';

export class SqlCheckpointRepository implements CheckpointRepository {
  constructor(private readonly db: CbrDb) {}

  async insertCheckpoint(c: Checkpoint): Promise<void> {
    await this.db.insertInto('cbr_checkpoints').values(checkpointToRow(c)).execute();
  }

  async getCheckpoint(projectId: string, id: string): Promise<Checkpoint | null> {
    const r = await this.db
      .selectFrom('cbr_checkpoints')
      .selectAll()
      .where('id', '=', id)
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return r ? rowToCheckpoint(r) : null;
  }

  async updateCheckpoint(
    id: string,
    patch: { status?: string; resources?: CheckpointResource[]; updatedAt: string },
  ): Promise<void> {
    const set: { status?: string; resources_json?: string; updated_at: string } = {
      updated_at: patch.updatedAt,
    };
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.resources !== undefined) set.resources_json = JSON.stringify(patch.resources);
    await this.db.updateTable('cbr_checkpoints').set(set).where('id', '=', id).execute();
  }
}
