// Backup sharing between projects (CBR AddMember … DeleteMember): the owner shares an available backup with
// other projects, each member accepts it into one of its vaults (or rejects it); an accepted member can read and
// restore the backup, never change or delete it, and the owner cannot delete it while a member holds it.
import { AppError, isAppError } from '../domain/errors.js';
import type { BackupTree } from '../domain/ports/cbr-repositories.js';
import { MemberMarkerNotFoundError } from '../domain/ports/members.js';
import {
  type BackupAccess,
  MAX_MEMBERS_PER_BACKUP,
  type Member,
  type MemberFilter,
  type MemberStatus,
  accessOf,
  shareRefusal,
  sharedRootOf,
} from '../domain/sharing.js';
import { type CbrDeps, cbrError, newId } from './cbr-deps.js';
import type { VaultService } from './vaults.js';

/** Whether a project exists (the identity store's answer; members must be real projects). */
export type ProjectExists = (projectId: string) => Promise<boolean>;

function backupNotFound(id: string): AppError {
  return new AppError('backup_not_found', `The backup does not exist: backup_id ${id}.`, {
    field: 'backup_id',
  });
}

function memberNotFound(memberId: string): AppError {
  return new AppError('member_not_found', `The share member does not exist: member_id ${memberId}.`, {
    field: 'member_id',
  });
}

/**
 * A backup as `projectId` may see it: its owner, or a member of the share (of the backup, or of the server
 * backup a disk backup belongs to). Anyone else gets the same 404 as for a backup that does not exist.
 */
export async function backupAccess(
  deps: CbrDeps,
  projectId: string,
  id: string,
): Promise<{ tree: BackupTree; access: NonNullable<BackupAccess> }> {
  const tree = await deps.repos.backups.getBackupTree(id);
  if (!tree) throw backupNotFound(id);
  const b = tree.backup;
  const membership =
    b.projectId === projectId ? null : await deps.repos.members.getMember(sharedRootOf(b), projectId);
  const access = accessOf(projectId, b, membership);
  if (!access) throw backupNotFound(id);
  return { tree, access };
}

export interface MemberQuery {
  destProjectId?: string;
  status?: MemberStatus;
  vaultId?: string;
  imageId?: string;
  sort: MemberFilter['sort'];
  limit: number;
  offset: number;
  marker?: string;
}

export class SharingService {
  constructor(
    private readonly deps: CbrDeps,
    private readonly vaults: VaultService,
    private readonly projectExists: ProjectExists,
  ) {}

  /** ShowBackup: the owner's backup, or one shared with the caller. */
  async showBackup(projectId: string, id: string): Promise<BackupTree> {
    return (await backupAccess(this.deps, projectId, id)).tree;
  }

  /** The owner shares `backupId` with these projects; returns their new share records. */
  async addMembers(projectId: string, backupId: string, projectIds: string[]): Promise<Member[]> {
    const b = await this.owned(projectId, backupId, 'share it');
    const refusal = shareRefusal(b);
    if (refusal) throw cbrError('validation', refusal[0], refusal[1], 'backup_id');
    const vault = await this.vaults.get(projectId, b.vaultId);
    if (vault.status !== 'available') {
      throw cbrError(
        'validation',
        'BackupService.6712',
        `Backup sharing is not allowed in the current vault status: vault ${vault.id} is ${vault.status}.`,
        'backup_id',
      );
    }
    const seen = new Set<string>();
    for (const [i, p] of projectIds.entries()) {
      const field = `members[${i}]`;
      if (seen.has(p)) {
        throw cbrError(
          'validation',
          'BackupService.6714',
          `A shared backup cannot be shared to the same member again: ${field} ${p} is given twice.`,
          field,
        );
      }
      seen.add(p);
      if (p === projectId) {
        throw cbrError(
          'validation',
          'BackupService.6704',
          `Invalid project ID of the tenant for sharing: ${field} is the backup's own project.`,
          field,
        );
      }
      if (!(await this.projectExists(p))) {
        throw cbrError(
          'validation',
          'BackupService.6704',
          `Invalid project ID of the tenant for sharing: ${field} ${p} is not a project.`,
          field,
        );
      }
    }
    return this.deps.uow.run(async (r) => {
      for (const [i, p] of projectIds.entries()) {
        if (await r.members.getMember(b.id, p)) {
          throw cbrError(
            'validation',
            'BackupService.6714',
            `A shared backup cannot be shared to the same member again: ${p} is a member already.`,
            `members[${i}]`,
          );
        }
      }
      const existing = await r.members.countMembers(b.id);
      if (existing + projectIds.length > MAX_MEMBERS_PER_BACKUP) {
        throw cbrError(
          'validation',
          'BackupService.6701',
          `The maximum number of backups that can be shared has been reached: a backup is shared with at most ${MAX_MEMBERS_PER_BACKUP} projects (${existing} already).`,
          'members',
        );
      }
      const at = this.deps.timestamp();
      const rows: Member[] = projectIds.map((p) => ({
        id: newId(),
        backupId: b.id,
        ownerProjectId: projectId,
        destProjectId: p,
        status: 'pending',
        vaultId: null,
        imageId: null,
        createdAt: at,
        updatedAt: at,
      }));
      await r.members.insertMembers(rows);
      return rows;
    });
  }

  /** The owner sees every member; a member only its own record. */
  async listMembers(
    projectId: string,
    backupId: string,
    q: MemberQuery,
  ): Promise<{ items: Member[]; count: number }> {
    const { tree, access } = await backupAccess(this.deps, projectId, backupId);
    const f: MemberFilter = { ...q, backupId: tree.backup.id };
    if (access.role === 'member') {
      if (q.destProjectId !== undefined && q.destProjectId !== projectId) return { items: [], count: 0 };
      f.destProjectId = projectId;
    }
    try {
      return await this.deps.repos.members.listMembers(f);
    } catch (err) {
      if (err instanceof MemberMarkerNotFoundError) {
        throw new AppError(
          'validation',
          `Invalid parameter marker: ${err.marker} is not a member of this backup`,
          {
            field: 'marker',
          },
        );
      }
      throw err;
    }
  }

  /** `memberId` is the receiving project's id; the owner sees any member, a member only itself. */
  async getMember(projectId: string, backupId: string, memberId: string): Promise<Member> {
    const { tree, access } = await backupAccess(this.deps, projectId, backupId);
    if (access.role === 'member' && memberId !== projectId) throw memberNotFound(memberId);
    const m = await this.deps.repos.members.getMember(tree.backup.id, memberId);
    if (!m) throw memberNotFound(memberId);
    return m;
  }

  /** The member answers: accepted (into `vaultId`, one of its vaults for this kind of backup), pending or rejected. */
  async updateStatus(
    projectId: string,
    backupId: string,
    memberId: string,
    status: MemberStatus,
    vaultId: string | undefined,
  ): Promise<Member> {
    const m = await this.getMember(projectId, backupId, memberId);
    if (m.destProjectId !== projectId) {
      throw cbrError(
        'validation',
        'BackupService.6708',
        `Failed to update the status of a share member: only project ${m.destProjectId} answers its share.`,
        'member_id',
      );
    }
    let receiving: string | null = null;
    if (status === 'accepted') {
      if (vaultId === undefined) {
        throw cbrError(
          'validation',
          'BackupService.6706',
          'Invalid update parameter value for the share member: vault_id is required to accept.',
          'vault_id',
        );
      }
      const b = (await this.deps.repos.backups.getBackup(m.backupId))!;
      const v = await this.vaults.get(projectId, vaultId);
      const kind = v.objectType === 'server' ? 'server' : 'volume';
      if (kind !== b.resourceKind) {
        throw cbrError(
          'validation',
          'BackupService.6713',
          `The type of the vault accepting the shared backup and the backup resource type are different: vault ${v.id} holds ${v.objectType} backups.`,
          'vault_id',
        );
      }
      receiving = v.id;
    } else if (vaultId !== undefined) {
      throw cbrError(
        'validation',
        'BackupService.6706',
        `Invalid update parameter value for the share member: vault_id is only given to accept, not with status ${status}.`,
        'vault_id',
      );
    }
    return this.deps.uow.run(async (r) => {
      const b = await r.backups.getBackup(m.backupId);
      if (status === 'accepted' && b?.status === 'deleting') {
        throw cbrError(
          'validation',
          'BackupService.6708',
          `Failed to update the status of a share member: backup ${m.backupId} is being deleted.`,
          'status',
        );
      }
      const at = this.deps.timestamp();
      if (!(await r.members.updateMember(m.id, { status, vaultId: receiving, updatedAt: at })))
        throw memberNotFound(memberId);
      return { ...m, status, vaultId: receiving, updatedAt: at };
    });
  }

  /** The owner stops sharing with one project. */
  async deleteMember(projectId: string, backupId: string, memberId: string): Promise<void> {
    const b = await this.owned(projectId, backupId, 'remove a member');
    const m = await this.deps.repos.members.getMember(b.id, memberId);
    if (!m) throw memberNotFound(memberId);
    await this.deps.uow.run((r) => r.members.deleteMember(m.id));
  }

  /** The backup when `projectId` owns it; a member is told it may not, anyone else that it does not exist. */
  private async owned(projectId: string, id: string, what: string) {
    const { tree, access } = await backupAccess(this.deps, projectId, id);
    if (access.role !== 'owner') {
      throw cbrError(
        'validation',
        'BackupService.6707',
        `Backup sharing is not allowed: only the backup's owner project can ${what}.`,
        'backup_id',
      );
    }
    return tree.backup;
  }
}

/** True when `err` is the 404 of a backup the caller may not see. */
export const isBackupNotFound = (err: unknown): boolean => isAppError(err) && err.code === 'backup_not_found';
