import type { Deps } from '../../deps';
import { unauthorized } from '../../http/errors';
import { isUserPrincipal, type Principal } from '../../http/principal';
import type { User } from '../../store/repositories/users';

/** The token's user; each view below shows only what the token's scopes allow. */
async function tokenUser(deps: Deps, principal: Principal): Promise<{ user: User; scopes: string[] }> {
  const user = isUserPrincipal(principal) ? await deps.repos.users.findById(principal.userId) : undefined;
  if (!user || user.suspended) throw unauthorized('credentials are invalid, expired or revoked', 'invalid_token');
  return { user, scopes: principal.kind === 'oauth' ? principal.scopes : [] };
}

const fullName = (u: User) => u.full_name ?? ([u.given_name, u.family_name].filter(Boolean).join(' ') || null);

/** OIDC UserInfo (seed 000): profile → name, preferred_username; email → email, email_verified. */
export async function userInfo(deps: Deps, principal: Principal) {
  const { user, scopes } = await tokenUser(deps, principal);
  const out: Record<string, string | boolean | number> = { sub: user.public_id };
  if (scopes.includes('profile')) {
    const claims = { name: fullName(user), preferred_username: user.email, given_name: user.given_name, family_name: user.family_name, picture: user.picture };
    for (const [k, v] of Object.entries(claims)) if (v) out[k] = v;
    out.updated_at = Math.floor(user.updated_at / 1000);
  }
  if (scopes.includes('email') && user.email) Object.assign(out, { email: user.email, email_verified: user.email_verified === 1 });
  return out as { sub: string };
}

/** The user's primary username (a `username` identity), if any. */
async function usernameOf(deps: Deps, userId: number): Promise<string | null> {
  const names = await deps.repos.identities.forUsers([userId], ['username']);
  return (names.find((i) => i.is_primary === 1) ?? names[0])?.value ?? null;
}

/** Seed 002's `user_profile` (V1). */
export async function userProfileV1(deps: Deps, principal: Principal) {
  const { user, scopes } = await tokenUser(deps, principal);
  const profile = scopes.includes('profile');
  return {
    id: user.public_id,
    preferred_email: scopes.includes('email') ? user.email : null,
    username: profile ? await usernameOf(deps, user.id) : null,
    provided_id: user.provided_id,
    last_name: profile ? user.family_name : null,
    first_name: profile ? user.given_name : null,
    picture: profile ? user.picture : null,
  };
}

/** Seed 002's `user_profile_v2`. */
export async function userProfileV2(deps: Deps, principal: Principal) {
  const { user, scopes } = await tokenUser(deps, principal);
  const profile = scopes.includes('profile');
  return {
    id: user.public_id,
    sub: user.public_id,
    provided_id: user.provided_id,
    name: profile ? fullName(user) : null,
    given_name: profile ? user.given_name : null,
    family_name: profile ? user.family_name : null,
    updated_at: Math.floor(user.updated_at / 1000),
    email: scopes.includes('email') ? user.email : null,
    picture: profile ? user.picture : null,
  };
}
