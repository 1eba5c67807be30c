// Catalog tables of the HSS v5 ransomware view: which hosts have protection switched on, and with which
// ransomware protection policy. Vaults, backups and backup policies are CBR's rows (a protection vault's backup
// policy is its backup_policy_id). The rows are the HSS port's own.
import type { ProtectedHost, ProtectionPolicyRow } from '../domain/ports/hss.js';

export interface HssTables {
  hss_protected_hosts: ProtectedHost;
  hss_protection_policies: ProtectionPolicyRow;
}
