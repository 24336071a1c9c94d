import { randomBytes } from 'node:crypto';
import type { CreateUserData, GetUsersData, UpdateUserData } from '../../../generated/client';
import type { Deps } from '../../deps';
import { toBool, toIso } from '../../store/codecs';
import { newId } from '../../store/ids';
import type { Page } from '../../store/page';
import type { Repositories } from '../../store/repositories';
import type { IdentityType } from '../../store/repositories/identities';
import type { UserFilters } from '../../store/repositories/managedUsers';
import { normalizeEmail, type User } from '../../store/repositories/users';
import { revokeUserTokens } from '../oauth/tokens';
import { managementError } from './errors';
import { asIdentityConflict, confirmedOnCreation, connectionIdOf, identityKind, storedIdentity, type IdentityKind } from './identities';
import { pageSizeOf } from './respond';
import { userByPublicId } from './lookups';

/** What `expand` may ask for (`billing` is accepted; Keyhaven keeps no billing data). */
type Expansion = 'organizations' | 'identities' | 'billing';
const expansions = (expand: string | undefined) => new Set((expand ?? '').split(',').map((s) => s.trim()).filter(Boolean) as Expansion[]);

export interface UserIdentitySummary {
  type: IdentityKind;
  identity: string;
  connection_id: string | null;
}

interface UserCommon {
  id: string;
  provided_id?: string;
  phone?: string;
  username?: string;
  last_name?: string;
  first_name?: string;
  is_suspended: boolean;
  picture?: string;
  total_sign_ins: number;
  failed_sign_ins: number;
  last_signed_in: string | null;
  created_on: string;
  organizations?: string[];
  identities?: UserIdentitySummary[];
}
/** A user in seed 002's `users_response`. */
export type UserListView = UserCommon & { email?: string };
/** Seed 002's `user`. */
export type UserDetailView = UserCommon & { preferred_email?: string };

const present = <K extends string>(key: K, value: string | null | undefined) => (value === null || value === undefined ? {} : ({ [key]: value } as Record<K, string>));

/** The per-user data beyond the users row: primary phone and username, and what `expand` asks for. */
async function describe(repos: Repositories, users: User[], expand: Set<Expansion>): Promise<(u: User) => UserCommon> {
  const ids = users.map((u) => u.id);
  const withIdentities = expand.has('identities');
  const rows = await repos.identities.forUsers(ids, withIdentities ? undefined : ['phone', 'username']);
  const orgRows = expand.has('organizations') ? await repos.managedUsers.organizationCodes(ids) : [];
  const byUser = new Map<number, typeof rows>();
  for (const r of rows) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r]);
  const orgs = new Map<number, string[]>();
  for (const r of orgRows) orgs.set(r.user_id, [...(orgs.get(r.user_id) ?? []), r.code]);
  return (u) => {
    const own = byUser.get(u.id) ?? [];
    // Rows come primary first within each type.
    const primary = (type: IdentityType) => own.find((r) => r.type === type)?.value;
    return {
      id: u.public_id,
      ...present('provided_id', u.provided_id),
      ...present('phone', primary('phone')),
      ...present('username', primary('username')),
      ...present('last_name', u.family_name),
      ...present('first_name', u.given_name),
      is_suspended: toBool(u.suspended),
      ...present('picture', u.picture),
      total_sign_ins: u.total_sign_ins,
      failed_sign_ins: u.failed_sign_ins,
      last_signed_in: toIso(u.last_signed_in),
      created_on: toIso(u.created_at)!,
      ...(expand.has('organizations') ? { organizations: orgs.get(u.id) ?? [] } : {}),
      ...(withIdentities ? { identities: own.map((r) => ({ type: identityKind(r), identity: r.value, connection_id: connectionIdOf(r) })) } : {}),
    };
  };
}

/** A comma-separated filter as a list; undefined when the filter is absent. */
function listOf(value: string | undefined, normalize: (s: string) => string = (s) => s): string[] | undefined {
  if (value === undefined) return undefined;
  return [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean).map(normalize))];
}

/** Seed 002's user list: creation order, keyset-paged, every filter an exact (indexed) match. */
export async function listUsers(deps: Deps, q: NonNullable<GetUsersData['query']>): Promise<Page<UserListView>> {
  const filters: UserFilters = {
    publicIds: listOf(q.user_id),
    emails: listOf(q.email, normalizeEmail),
    usernames: listOf(q.username, (s) => s.toLowerCase()),
    phones: listOf(q.phone),
    hasOrganization: q.has_organization,
    activeSince: q.active_since === undefined ? undefined : Date.parse(q.active_since),
  };
  // A filter given with no value at all (`email=,`) matches nobody.
  if ([filters.publicIds, filters.emails, filters.usernames, filters.phones].some((l) => l !== undefined && l.length === 0)) return { items: [] };
  const page = await deps.repos.managedUsers.page(filters, { size: pageSizeOf(q.page_size), after: q.next_token });
  const view = await describe(deps.repos, page.items, expansions(q.expand));
  return { ...page, items: page.items.map((u) => ({ ...view(u), ...present('email', u.email) })) };
}

export async function getUser(deps: Deps, publicId: string, expand?: string): Promise<UserDetailView> {
  const user = await userByPublicId(deps.repos, publicId);
  const view = await describe(deps.repos, [user], expansions(expand));
  const { id, ...rest } = view(user);
  return { id, ...present('preferred_email', user.email), ...rest };
}

const fullName = (given: string | null, family: string | null) => [given, family].filter(Boolean).join(' ') || null;

export interface UserCreatedView {
  id: string;
  created: true;
  identities: { type: string; result: { created: boolean } }[];
}

/**
 * Creates a user with its identities and membership in one transaction: a taken email, phone or
 * username is a 409 (nothing is created), an unknown organization a 404. Without an organization
 * code the user joins the default organization, if one is set.
 */
export async function createUser(deps: Deps, input: CreateUserData['body']): Promise<UserCreatedView> {
  const body = input ?? {};
  const now = deps.clock();
  const identities = (body.identities ?? []).map((i) => {
    const value = i.type === 'email' ? i.details.email : i.type === 'phone' ? i.details.phone : i.details.username;
    const stored = storedIdentity(i.type, value!);
    return { kind: i.type, stored, verified: confirmedOnCreation(stored.type) || i.is_verified === true };
  });
  const given = body.profile?.given_name ?? null;
  const family = body.profile?.family_name ?? null;
  try {
    return await deps.tx(async (repos) => {
      const org = body.organization_code ? await repos.managedUsers.organizationByCode(body.organization_code) : await repos.managedUsers.defaultOrganization();
      if (body.organization_code && !org) throw managementError('ORGANIZATION_NOT_FOUND');
      const user = await repos.managedUsers.insert({
        public_id: 'kp_' + randomBytes(16).toString('hex'),
        email: null,
        email_verified: 0,
        full_name: fullName(given, family),
        given_name: given,
        family_name: family,
        picture: body.profile?.picture ?? null,
        provided_id: body.provided_id ?? null,
        last_signed_in: null,
        claims_changed_at: null,
        created_at: now,
        updated_at: now,
      });
      for (const i of identities) {
        await repos.identities.insert({ ...i.stored, user_id: user.id, public_id: newId('identity'), verified_at: i.verified ? now : null, created_at: now });
      }
      if (identities.some((i) => i.stored.type === 'email')) await repos.identities.syncUserEmail(user.id, now);
      if (org) await repos.tenants.addMember(user.id, org.id, 'member', now);
      return { id: user.public_id, created: true as const, identities: identities.map((i) => ({ type: i.kind, result: { created: true } })) };
    });
  } catch (err) {
    throw asIdentityConflict(err);
  }
}

/**
 * Ends everything a user is signed in with, inside the caller's transaction: browser and app
 * sessions, pending MFA sign-in challenges, and every OAuth token (refresh tokens included).
 */
export async function endUserAccess(deps: Deps, repos: Repositories, userId: number, now: number): Promise<void> {
  await repos.sessions.revokeAllForUser(userId, now);
  await repos.managedUsers.spendMfaChallenges(userId, now);
  await revokeUserTokens({ ...deps, repos }, userId);
}

export interface UserUpdatedView {
  id: string;
  given_name?: string;
  family_name?: string;
  email?: string;
  is_suspended: boolean;
  is_password_reset_requested: boolean;
  picture: string | null;
}

/** Changes the profile; suspending ends the user's sessions and revokes their tokens in the same transaction. */
export async function updateUser(deps: Deps, publicId: string, input: UpdateUserData['body']): Promise<UserUpdatedView> {
  const now = deps.clock();
  const user = await deps.tx(async (repos) => {
    const before = await userByPublicId(repos, publicId);
    const given = input.given_name ?? before.given_name;
    const family = input.family_name ?? before.family_name;
    await repos.managedUsers.update(before.id, {
      given_name: given,
      family_name: family,
      ...(input.given_name !== undefined || input.family_name !== undefined ? { full_name: fullName(given, family) } : {}),
      ...(input.picture !== undefined ? { picture: input.picture } : {}),
      ...(input.provided_id !== undefined ? { provided_id: input.provided_id } : {}),
      ...(input.is_suspended !== undefined ? { suspended: input.is_suspended ? 1 : 0 } : {}),
      ...(input.is_password_reset_requested !== undefined ? { password_reset_requested: input.is_password_reset_requested ? 1 : 0 } : {}),
      updated_at: now,
    });
    if (input.is_suspended === true) await endUserAccess(deps, repos, before.id, now);
    return (await repos.users.findById(before.id))!;
  });
  return {
    id: user.public_id,
    ...present('given_name', user.given_name),
    ...present('family_name', user.family_name),
    ...present('email', user.email),
    is_suspended: toBool(user.suspended),
    is_password_reset_requested: toBool(user.password_reset_requested),
    picture: user.picture,
  };
}

/** Ends the user's sessions and tokens, then deletes the user and all that is theirs (cascades), in one transaction. */
export async function deleteUser(deps: Deps, publicId: string): Promise<void> {
  const now = deps.clock();
  await deps.tx(async (repos) => {
    const user = await userByPublicId(repos, publicId);
    await endUserAccess(deps, repos, user.id, now);
    await repos.managedUsers.delete(user.id);
  });
}

/** Records that the user's claims changed; tokens are built from the current data at every issue and refresh. */
export async function refreshUserClaims(deps: Deps, publicId: string): Promise<void> {
  if (!(await deps.repos.managedUsers.markClaimsChanged(publicId, deps.clock()))) throw managementError('USER_NOT_FOUND');
}

/** The identity a sign-in used: the email of a password sign-in, the upstream subject of an SSO one. */
export type SignInIdentity = { type: 'email'; value: string } | { type: 'upstream'; provider: string; value: string };

/**
 * The one place sign-in statistics are kept: a successful sign-in counts for the user (total, last,
 * and the run of failed attempts ends) and for the identity it used. Called where sign-ins succeed
 * (password: authenticatePassword; SSO: completeSso).
 */
export async function recordSignIn(deps: Deps, userId: number, identity: SignInIdentity): Promise<void> {
  const now = deps.clock();
  const key = identity.type === 'email' ? { type: 'email' as const, provider: '', value: normalizeEmail(identity.value) } : identity;
  await deps.tx(async (repos) => {
    await repos.managedUsers.recordSignIn(userId, now);
    await repos.identities.recordLogin(userId, key, now);
  });
}

/** A wrong password for an existing account (seed 002's `failed_sign_ins`: failures since the last success). */
export async function recordFailedSignIn(deps: Deps, userId: number): Promise<void> {
  await deps.repos.managedUsers.recordFailedSignIn(userId);
}
