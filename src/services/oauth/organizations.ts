import type { Deps } from '../../deps';
import { OAuthError } from '../../http/errors';

/** Whether the user may act in the organization an authorization request named (no code: nothing to check). */
export async function isOrganizationMember(deps: Deps, userId: number, orgCode: string | undefined): Promise<boolean> {
  return orgCode === undefined || (await deps.repos.tenants.membershipByCode(userId, orgCode)) !== undefined;
}

/**
 * The token endpoint's check: a grant for an organization stays valid only while the user belongs
 * to it, so a removed member cannot mint (or refresh into) tokens carrying its `org_code`.
 */
export async function requireOrganizationMember(deps: Deps, userId: number, orgCode: string | undefined): Promise<void> {
  if (!(await isOrganizationMember(deps, userId, orgCode))) {
    throw new OAuthError('invalid_grant', 'the user is not a member of the organization this grant names');
  }
}
