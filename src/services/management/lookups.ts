import type { Repositories } from '../../store/repositories';
import type { OrganizationRow } from '../../store/repositories/organizations';
import type { User } from '../../store/repositories/users';
import { managementError } from './errors';

/** The resources a management path names, found once for every resource: 404 with the shared code otherwise. */

/** The user with this public id (`kp_…`, their tokens' `sub`), or 404 USER_NOT_FOUND. */
export async function userByPublicId(repos: Pick<Repositories, 'users'>, publicId: string): Promise<User> {
  const user = await repos.users.findByPublicId(publicId);
  if (!user) throw managementError('USER_NOT_FOUND');
  return user;
}

/** The organization with this code, or 404 ORGANIZATION_NOT_FOUND. */
export async function organizationByCode(repos: Pick<Repositories, 'organizations'>, code: string): Promise<OrganizationRow> {
  const org = await repos.organizations.findByCode(code);
  if (!org) throw managementError('ORGANIZATION_NOT_FOUND');
  return org;
}
