// What the sharing service needs from persistence: the share records of backups (cbr_backup_members).
import type { Member, MemberFilter, MemberStatus } from '../sharing.js';

export class MemberMarkerNotFoundError extends Error {
  constructor(readonly marker: string) {
    super(`marker ${marker} is not a member of this backup`);
  }
}

export interface MemberRepository {
  /** Throws the driver's unique violation (a 409 conflict) when a project is a member already. */
  insertMembers(rows: Member[]): Promise<void>;
  /** The share record of `backupId` for the receiving project, if any. */
  getMember(backupId: string, destProjectId: string): Promise<Member | null>;
  /** Throws MemberMarkerNotFoundError when filter.marker is not a member of the backup. */
  listMembers(f: MemberFilter): Promise<{ items: Member[]; count: number }>;
  /** How many members the backup has (in `status` when given). */
  countMembers(backupId: string, status?: MemberStatus): Promise<number>;
  /** False when no row changed (the record is gone). */
  updateMember(
    id: string,
    patch: { status: MemberStatus; vaultId: string | null; updatedAt: string },
  ): Promise<boolean>;
  deleteMember(id: string): Promise<void>;
}
