// Identity tables (PLATFORM): the rows are the identity port's own, one table each.
import type {
  CredentialRow,
  DomainRow,
  ProjectRow,
  RoleAssignmentRow,
  RoleRow,
  SpentSignatureRow,
  TokenRow,
  UserRow,
} from '../domain/ports/identity.js';

export interface IdentityTables {
  domains: DomainRow;
  projects: ProjectRow;
  users: UserRow;
  roles: RoleRow;
  role_assignments: RoleAssignmentRow;
  tokens: TokenRow;
  credentials: CredentialRow;
  spent_signatures: SpentSignatureRow;
}
