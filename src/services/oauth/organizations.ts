import type { Deps } from '../../deps';
import { OAuthError } from '../../http/errors';
import { newOrganizationCode } from '../tenants';

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
 * Seed 002's CreateOrgLink (`is_create_org=true&org_name=…` on the authorization request): a new
 * organization with the signing-in user as its admin (and holding the default roles), which the
 * request then signs into. Runs once per request (after the request is marked completed).
 */
export async function createOrganizationAtSignIn(deps: Deps, userId: number, orgName: string | undefined): Promise<string> {
  const user = await deps.repos.users.findById(userId);
  const name = orgName?.trim() || `${user?.full_name ?? user?.email ?? 'My'}'s organization`.slice(0, 200);
  const now = deps.clock();
  return deps.tx(async (repos) => {
    const org = await repos.organizations.insert({
      code: newOrganizationCode(), name, kind: 'standard', handle: null, external_id: null, is_default: 0,
      is_allow_registrations: 0, settings: '{}', created_at: now, updated_at: now,
    });
    await repos.organizations.addMember(org.id, userId, 'admin', now);
    await repos.organizations.grantRoles(org.id, userId, await repos.roles.defaultRoleIds(), now);
    return org.code;
  });
}

/** Whether the authorization request asks for a new organization (seed 002's `is_create_org`). */
export const wantsNewOrganization = (extra: Record<string, string>) => extra.is_create_org === 'true';

/**
 * The organizations a signing-in user chooses from on the hosted chooser, in the order they joined:
 * only when the request names none (no `org_code`, no `is_create_org`) and the user belongs to
 * more than one; otherwise undefined (nothing to choose).
 */
export async function organizationsToChooseFrom(deps: Deps, userId: number, extra: Record<string, string>): Promise<{ code: string; name: string }[] | undefined> {
  if (extra.org_code !== undefined || wantsNewOrganization(extra)) return undefined;
  const orgs = await deps.repos.tenants.organizationsOf(userId);
  return orgs.length > 1 ? orgs.map((o) => ({ code: o.code, name: o.name })) : undefined;
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
