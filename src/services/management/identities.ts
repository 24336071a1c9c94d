import type { CreateUserIdentityData, GetUserIdentitiesData, UpdateIdentityData } from '../../../generated/client';
import type { Deps } from '../../deps';
import { HttpError } from '../../http/errors';
import { translateDbError } from '../../store/errors';
import { newId } from '../../store/ids';
import { toBool, toIso } from '../../store/codecs';
import type { IdentityRow, IdentityType } from '../../store/repositories/identities';
import type { Repositories } from '../../store/repositories';
import { normalizeEmail } from '../../store/repositories/users';
import { errorCatalogue } from './errors';
import { pageSizeOf } from './respond';
import { userByPublicId } from './lookups';

export const identityError = errorCatalogue({
  IDENTITY_NOT_FOUND: [404, 'No identity with this id.'],
  IDENTITY_TAKEN: [409, 'This email, phone, username or upstream subject already identifies a user.'],
  LAST_IDENTITY: [409, "A user's last identity cannot be deleted; delete the user instead."],
});

/** The management API's identity types; `social` and `enterprise` are stored as `upstream` identities. */
export type IdentityKind = 'email' | 'phone' | 'username' | 'social' | 'enterprise';

/** Social connections are stored with this provider prefix; an enterprise connection id (for SSO, the issuer) is the provider itself. */
const SOCIAL = 'social:';

export const identityKind = (r: Pick<IdentityRow, 'type' | 'provider'>): IdentityKind =>
  r.type !== 'upstream' ? r.type : r.provider.startsWith(SOCIAL) ? 'social' : 'enterprise';

export const connectionIdOf = (r: Pick<IdentityRow, 'type' | 'provider'>): string | null =>
  r.type !== 'upstream' ? null : r.provider.startsWith(SOCIAL) ? r.provider.slice(SOCIAL.length) : r.provider;

/** How a value of each kind is stored: emails and usernames in lower case (they match case-insensitively). */
export function storedIdentity(kind: IdentityKind, value: string, connectionId?: string): { type: IdentityType; provider: string; value: string } {
  switch (kind) {
    case 'email':
      return { type: 'email', provider: '', value: normalizeEmail(value) };
    case 'username':
      return { type: 'username', provider: '', value: value.toLowerCase() };
    case 'phone':
      return { type: 'phone', provider: '', value };
    case 'social':
      return { type: 'upstream', provider: SOCIAL + (connectionId ?? ''), value };
    case 'enterprise':
      return { type: 'upstream', provider: connectionId ?? '', value };
  }
}

/** Usernames and upstream subjects need no confirmation; emails and phones do. */
export const confirmedOnCreation = (type: IdentityType) => type === 'username' || type === 'upstream';

export interface IdentityView {
  id: string;
  type: IdentityKind;
  is_confirmed: boolean;
  created_on: string;
  last_login_on?: string;
  total_logins: number;
  name: string;
  email?: string;
  connection_id: string | null;
  is_primary: boolean;
}

export const identityView = (r: IdentityRow): IdentityView => ({
  id: r.public_id,
  type: identityKind(r),
  is_confirmed: r.verified_at !== null,
  created_on: toIso(r.created_at)!,
  ...(r.last_login_at !== null ? { last_login_on: toIso(r.last_login_at)! } : {}),
  total_logins: r.total_logins,
  name: r.value,
  ...(r.type === 'email' ? { email: r.value } : {}),
  connection_id: connectionIdOf(r),
  is_primary: toBool(r.is_primary),
});

/** A unique violation on identities means the value already identifies someone. */
export function asIdentityConflict(err: unknown): unknown {
  if (err instanceof HttpError) return err;
  const e = translateDbError(err);
  return e instanceof HttpError && e.status === 409 ? identityError('IDENTITY_TAKEN') : e;
}


async function identityOf(repos: Repositories, publicId: string): Promise<IdentityRow> {
  const row = await repos.identities.findByPublicId(publicId);
  if (!row) throw identityError('IDENTITY_NOT_FOUND');
  return row;
}

export interface IdentityListView {
  code: string;
  message: string;
  identities: IdentityView[];
  has_more: boolean;
  next_token?: string;
}

/**
 * A page of the user's identities, oldest first: after `next_token`, else after the identity
 * `starting_after`, else the page before `ending_before` (the Kinde client's cursors).
 */
export async function listUserIdentities(deps: Deps, userId: string, q: NonNullable<GetUserIdentitiesData['query']>): Promise<IdentityListView> {
  const user = await userByPublicId(deps.repos, userId);
  const size = pageSizeOf(q.page_size);
  const anchor = async (publicId: string) => {
    const row = await deps.repos.identities.findByPublicId(publicId);
    if (!row || row.user_id !== user.id) throw identityError('IDENTITY_NOT_FOUND', 'No identity of this user with this id.');
    return row;
  };
  const repo = deps.repos.identities;
  const page = q.next_token
    ? await repo.pageForUser(user.id, { size, after: q.next_token })
    : q.starting_after
      ? await repo.pageForUser(user.id, { size, after: repo.cursorAfter(await anchor(q.starting_after)) })
      : q.ending_before
        ? await repo.pageForUser(user.id, { size, before: (await anchor(q.ending_before)).id })
        : await repo.pageForUser(user.id, { size });
  return {
    code: 'OK',
    message: 'Success',
    identities: page.items.map(identityView),
    has_more: page.hasMore,
    ...(page.nextToken ? { next_token: page.nextToken } : {}),
  };
}

/** Adds an identity to a user; 409 when its value already identifies someone. Returns its id. */
export async function createUserIdentity(deps: Deps, userId: string, input: CreateUserIdentityData['body']): Promise<string> {
  const user = await userByPublicId(deps.repos, userId);
  const body = input!;
  const stored = storedIdentity(body.type!, body.value!, body.connection_id);
  const now = deps.clock();
  const publicId = newId('identity');
  try {
    await deps.tx(async (repos) => {
      await repos.identities.insert({ ...stored, user_id: user.id, public_id: publicId, verified_at: confirmedOnCreation(stored.type) ? now : null, created_at: now });
      if (stored.type === 'email') await repos.identities.syncUserEmail(user.id, now);
    });
  } catch (err) {
    throw asIdentityConflict(err);
  }
  return publicId;
}

export async function getIdentity(deps: Deps, identityId: string): Promise<IdentityView> {
  return identityView(await identityOf(deps.repos, identityId));
}

/**
 * `is_primary: true` makes the identity its type's primary; `false` hands that to the oldest other
 * identity of the type (a type with identities always has one primary). The user's email follows.
 */
export async function updateIdentity(deps: Deps, identityId: string, input: UpdateIdentityData['body']): Promise<void> {
  const now = deps.clock();
  await deps.tx(async (repos) => {
    const row = await identityOf(repos, identityId);
    if (input.is_primary === true) await repos.identities.makePrimary(row);
    else if (input.is_primary === false && row.is_primary) await repos.identities.promoteOldest(row.user_id, row.type, row.id);
    if (row.type === 'email') await repos.identities.syncUserEmail(row.user_id, now);
  });
}

/** Removes an identity (never the user's last one: 409); the oldest other of its type becomes primary. */
export async function deleteIdentity(deps: Deps, identityId: string): Promise<void> {
  const now = deps.clock();
  await deps.tx(async (repos) => {
    const row = await identityOf(repos, identityId);
    if ((await repos.identities.countForUser(row.user_id)) <= 1) throw identityError('LAST_IDENTITY');
    await repos.identities.delete(row.id);
    if (row.is_primary) await repos.identities.promoteOldest(row.user_id, row.type, row.id);
    if (row.type === 'email') await repos.identities.syncUserEmail(row.user_id, now);
  });
}
