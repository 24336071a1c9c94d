import type { Deps } from '../../deps';
import { OAuthError } from '../../http/errors';

/** Whether the user may act in the organization an authorization request named (no code: nothing to check). */
export async function isOrganizationMember(deps: Deps, userId: number, orgCode: string | undefined): Promise<boolean> {
  return orgCode === undefined || (await deps.repos.tenants.membershipByCode(userId, orgCode)) !== undefined;
}

/**
 * The authorization endpoint's check, once the user is known: a member passes; an organization that
 * admits registrations (`is_allow_registrations`) makes a signing-in user a member with its default
 * roles, in one transaction; every other organization admits only members.
 */
export async function admitToOrganization(deps: Deps, userId: number, orgCode: string | undefined): Promise<boolean> {
  if (await isOrganizationMember(deps, userId, orgCode)) return true;
  const org = await deps.repos.organizations.findByCode(orgCode!);
  if (!org || org.is_allow_registrations !== 1) return false;
  const now = deps.clock();
  await deps.tx(async (repos) => {
    if (await repos.organizations.addMember(org.id, userId, 'member', now)) {
      await repos.organizations.grantRoles(org.id, userId, await repos.roles.defaultRoleIds(), now);
    }
  });
  return true;
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
