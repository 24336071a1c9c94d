import type { AddOrganizationUsersData, GetOrganizationUsersData, UpdateOrganizationUsersData } from '../../../generated/client';
import type { Deps } from '../../deps';
import { toBool, toIso } from '../../store/codecs';
import { sortOf, type Page } from '../../store/page';
import type { Repositories } from '../../store/repositories';
import type { MemberRow } from '../../store/repositories/organizations';
import { managementError } from './errors';
import { organizationError } from './organizations';
import { pageSizeOf } from './respond';
import { organizationByCode, userByPublicId } from './lookups';

/** Seed 002's `organization_user`: the member with the keys of their roles in the organization. */
export function organizationUserView(m: MemberRow, roles: string[]) {
  const joinedName = [m.given_name, m.family_name].filter(Boolean).join(' ');
  return {
    id: m.public_id,
    email: m.email,
    full_name: m.full_name ?? joinedName,
    first_name: m.given_name,
    last_name: m.family_name,
    picture: m.picture,
    joined_on: toIso(m.joined_at)!,
    is_suspended: toBool(m.suspended),
    roles,
  };
}
export type OrganizationUserView = ReturnType<typeof organizationUserView>;

/** `a, b ,c` → ['a', 'b', 'c'] (the spec's pattern has checked the keys). */
const keysOf = (list: string | undefined): string[] =>
  (list ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);

export async function listOrganizationUsers(deps: Deps, code: string, q: NonNullable<GetOrganizationUsersData['query']>): Promise<Page<OrganizationUserView>> {
  const org = await organizationByCode(deps.repos, code);
  // Without `sort`, in the order members joined.
  const { column, descending } = sortOf(q.sort, ['name', 'email', 'id'] as const, 'name');
  const page = await deps.repos.organizations.members(org.id, {
    size: pageSizeOf(q.page_size),
    after: q.next_token,
    descending,
    sortBy: q.sort ? column : 'joined',
    roles: keysOf(q.roles),
    permissions: keysOf(q.permissions),
  });
  const roles = await deps.repos.organizations.roleKeysOf(
    org.id,
    page.items.map((m) => m.user_id),
  );
  return { ...page, items: page.items.map((m) => organizationUserView(m, roles.get(m.user_id) ?? [])) };
}

interface MemberInput {
  id: string;
  operation?: 'delete';
  roles?: string[];
  permissions?: string[];
}

/** Every user, role and permission the request body names, resolved; the first unknown one is a 400 naming it. */
async function resolve(repos: Repositories, users: MemberInput[]) {
  const unique = (pick: (u: MemberInput) => string[] | undefined) => [...new Set(users.flatMap((u) => pick(u) ?? []))];
  const userIds = await repos.organizations.userIdsByPublicIds(unique((u) => [u.id]));
  const roleIds = await repos.organizations.roleIdsByKeys(unique((u) => u.roles));
  const permissionIds = await repos.organizations.permissionIdsByKeys(unique((u) => u.permissions));
  for (const u of users) {
    if (!userIds.has(u.id)) throw organizationError('UNKNOWN_USER', `No user with id "${u.id}".`);
    for (const key of u.roles ?? []) if (!roleIds.has(key)) throw organizationError('UNKNOWN_ROLE', `No role with key "${key}".`);
    for (const key of u.permissions ?? []) if (!permissionIds.has(key)) throw organizationError('UNKNOWN_PERMISSION', `No permission with key "${key}".`);
  }
  return {
    userId: (u: MemberInput) => userIds.get(u.id)!,
    roleIdsOf: (u: MemberInput) => (u.roles ?? []).map((k) => roleIds.get(k)!),
    permissionIdsOf: (u: MemberInput) => (u.permissions ?? []).map((k) => permissionIds.get(k)!),
  };
}

const pushOnce = (list: string[], id: string) => {
  if (!list.includes(id)) list.push(id);
};

/**
 * Makes the users members (role `member`) with the listed roles and permissions, in one transaction;
 * members already there keep their membership and gain what is listed. Answers the users who joined.
 */
export async function addOrganizationUsers(deps: Deps, code: string, input: NonNullable<AddOrganizationUsersData['body']>): Promise<string[]> {
  const users = input.users ?? [];
  const now = deps.clock();
  return deps.tx(async (repos) => {
    const org = await organizationByCode(repos, code);
    const ids = await resolve(repos, users);
    const added: string[] = [];
    for (const u of users) {
      const userId = ids.userId(u);
      if (await repos.organizations.addMember(org.id, userId, 'member', now)) pushOnce(added, u.id);
      await repos.organizations.grantRoles(org.id, userId, ids.roleIdsOf(u), now);
      await repos.organizations.grantPermissions(org.id, userId, ids.permissionIdsOf(u), now);
    }
    return added;
  });
}

export interface MemberChanges {
  users_added: string[];
  users_updated: string[];
  users_removed: string[];
}

/**
 * Adds, updates or removes members in one transaction, in the order listed: `operation: delete` removes
 * a member; otherwise a non-member joins, and a member's roles and direct permissions, when listed,
 * become exactly those listed.
 */
export async function updateOrganizationUsers(deps: Deps, code: string, input: NonNullable<UpdateOrganizationUsersData['body']>): Promise<MemberChanges> {
  const users = input.users ?? [];
  const now = deps.clock();
  return deps.tx(async (repos) => {
    const org = await organizationByCode(repos, code);
    const ids = await resolve(repos, users);
    const changes: MemberChanges = { users_added: [], users_updated: [], users_removed: [] };
    for (const u of users) {
      const userId = ids.userId(u);
      if (u.operation === 'delete') {
        if (await repos.organizations.removeMember(org.id, userId)) pushOnce(changes.users_removed, u.id);
        continue;
      }
      const joined = await repos.organizations.addMember(org.id, userId, 'member', now);
      pushOnce(joined ? changes.users_added : changes.users_updated, u.id);
      if (u.roles) await repos.organizations.setRoles(org.id, userId, ids.roleIdsOf(u), now);
      if (u.permissions) await repos.organizations.setPermissions(org.id, userId, ids.permissionIdsOf(u), now);
    }
    return changes;
  });
}

/** Ends the membership; the member's roles and permissions there go with it (ON DELETE CASCADE). */
export async function removeOrganizationUser(deps: Deps, code: string, publicId: string): Promise<void> {
  const org = await organizationByCode(deps.repos, code);
  const user = await userByPublicId(deps.repos, publicId);
  if (!(await deps.repos.organizations.removeMember(org.id, user.id))) throw managementError('NOT_A_MEMBER');
}
