// Catalog tables of the HSS v5 ransomware view: which hosts have protection switched on, with which
// ransomware protection policy and which backup policy. Vaults and backups are CBR's rows. The rows are the
// HSS port's own.
import type { BackupPolicyRow, ProtectedHost, ProtectionPolicyRow } from '../domain/ports/hss.js';

export interface HssTables {
  hss_protected_hosts: ProtectedHost;
  hss_protection_policies: ProtectionPolicyRow;
  hss_backup_policies: BackupPolicyRow;
}
