import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { Users, init } from '@kinde/management-api-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserLogin,
  createUser,
  createUserIdentity,
  deleteUser,
  getBrowserSession,
  getIdentity,
  getUserData,
  getUserIdentities,
  getUsers,
  refreshUserClaims,
  setUserPassword,
  updateUser,
} from '../../../generated/client';
import type { CreateUserData, SetUserPasswordData } from '../../../generated/client';
import { managementAudience } from '../../../src/services/oauth/clients';
import { findTokenRow, issueTokens } from '../../../src/services/oauth/tokens';
import { hashToken } from '../../../src/services/crypto';
import { recordSignIn } from '../../../src/services/management/users';
import { startManagementServer, type ManagementServer } from '../../helpers/management';

const FAST_ARGON2 = { KEYHAVEN_ARGON2_MEMORY_KIB: '1024', KEYHAVEN_ARGON2_TIME: '1', KEYHAVEN_LOGIN_ATTEMPTS_IP: '100000', KEYHAVEN_LOGIN_ATTEMPTS_ACCOUNT: '100000' };

let s: ManagementServer;
let seq = 0;
const unique = (prefix: string) => `${prefix}${++seq}${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  s = await startManagementServer(FAST_ARGON2);
});
afterAll(() => s.close());

type CreateBody = NonNullable<CreateUserData['body']>;
async function create(body: CreateBody = {}) {
  const r = await createUser({ client: s.api, body });
  expect(r.response.status).toBe(200);
  return r.data!;
}
const withEmail = async (email = `${unique('user')}@example.com`, extra: CreateBody = {}) => ({
  email,
  id: (await create({ ...extra, identities: [{ type: 'email', is_verified: true, details: { email } }, ...(extra.identities ?? [])] })).id,
});

const signIn = (email: string, password: string) => browserLogin({ client: s.client, body: { email, password } });
const sessionCookie = (res: Response) => /kendr_session=([^;]*)/.exec(res.headers.getSetCookie().join('\n'))?.[1];
const dbUser = (publicId: string) => s.deps.repos.users.findByPublicId(publicId);
const credential = async (publicId: string) => s.deps.repos.managedUsers.passwordCredential((await dbUser(publicId))!.id);
const bcryptOf = (password: string) => bcrypt.hashSync(password, 4);
const defaultOrganization = async () => (await s.deps.db.selectFrom('organizations').select('code').where('is_default', '=', 1).executeTakeFirstOrThrow());

async function userTokens(publicId: string) {
  const user = (await dbUser(publicId))!;
  const desktop = (await s.deps.repos.oauthClients.find('kendr-desktop'))!;
  const scopes = ['openid', 'offline_access'];
  return issueTokens(s.deps, { client: { ...desktop, tokenFormat: 'jwt' }, scopes, audience: ['https://elsewhere.example.com'], grant: { user, scopes, authTime: Date.now(), amr: ['pwd'], extra: {} } });
}

describe('users: create and read', () => {
  it('creates a user with its identities, profile and organization in one step, and reads it back', async () => {
    const org = await s.deps.repos.tenants.create({ code: unique('org_users'), name: 'Users org', kind: 'standard' }, Date.now());
    const email = `${unique('Ada')}@Example.com`;
    const username = unique('ada');
    const created = await create({
      profile: { given_name: 'Ada', family_name: 'Lovelace', picture: 'https://example.com/ada.png' },
      organization_code: org.code,
      provided_id: 'legacy-4711',
      identities: [
        { type: 'email', is_verified: true, details: { email } },
        { type: 'username', details: { username: username.toUpperCase() } },
        { type: 'phone', details: { phone: '+61426148233', phone_country_id: 'au' } },
      ],
    });
    expect(created).toEqual({
      id: expect.stringMatching(/^kp_[0-9a-f]{32}$/),
      created: true,
      identities: [
        { type: 'email', result: { created: true } },
        { type: 'username', result: { created: true } },
        { type: 'phone', result: { created: true } },
      ],
    });

    const plain = await getUserData({ client: s.api, query: { id: created.id } });
    expect(plain.response.status).toBe(200);
    expect(plain.data).toEqual({
      id: created.id,
      provided_id: 'legacy-4711',
      preferred_email: email.toLowerCase(),
      phone: '+61426148233',
      username,
      first_name: 'Ada',
      last_name: 'Lovelace',
      picture: 'https://example.com/ada.png',
      is_suspended: false,
      total_sign_ins: 0,
      failed_sign_ins: 0,
      last_signed_in: null,
      created_on: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const expanded = await getUserData({ client: s.api, query: { id: created.id, expand: 'organizations, identities' } });
    expect(expanded.data).toMatchObject({
      organizations: [org.code],
      identities: [
        { type: 'email', identity: email.toLowerCase(), connection_id: null },
        { type: 'phone', identity: '+61426148233', connection_id: null },
        { type: 'username', identity: username, connection_id: null },
      ],
    });
    // The token's profile: the user's email follows the email identity, verified as asked.
    const row = (await dbUser(created.id))!;
    expect(row).toMatchObject({ email: email.toLowerCase(), email_verified: 1, given_name: 'Ada', family_name: 'Lovelace', full_name: 'Ada Lovelace' });
  });

  it('creates a user with nothing at all (no body), who has no identities', async () => {
    const r = await createUser({ client: s.api });
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ id: expect.stringMatching(/^kp_/), created: true, identities: [] });
    const read = await getUserData({ client: s.api, query: { id: r.data!.id, expand: 'identities,organizations' } });
    // Without an organization code the user joins the default organization.
    expect(read.data).toMatchObject({ identities: [], organizations: [(await defaultOrganization()).code] });
    expect(read.data).not.toHaveProperty('preferred_email');
  });

  it('refuses a taken email or username with 409, creating nothing (all or nothing)', async () => {
    const { email } = await withEmail();
    const freshUsername = unique('free');
    const before = await s.deps.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const dup = await createUser({
      client: s.api,
      body: { identities: [{ type: 'username', details: { username: freshUsername } }, { type: 'email', details: { email: email.toUpperCase() } }] },
    });
    expect(dup.response.status).toBe(409);
    expect(dup.error).toMatchObject({ errors: [{ code: 'IDENTITY_TAKEN' }] });
    const after = await s.deps.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    // The username of the refused request is still free.
    expect((await createUser({ client: s.api, body: { identities: [{ type: 'username', details: { username: freshUsername } }] } })).response.status).toBe(200);
    // The same value twice in one request is refused the same way.
    const twice = `${unique('twice')}@example.com`;
    const r = await createUser({ client: s.api, body: { identities: [{ type: 'email', details: { email: twice } }, { type: 'email', details: { email: twice } }] } });
    expect(r.response.status).toBe(409);
  });

  it('answers 404 for an unknown organization code; a named organization is joined instead of the default one', async () => {
    const missing = await createUser({ client: s.api, body: { organization_code: 'org_does_not_exist' } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ errors: [{ code: 'ORGANIZATION_NOT_FOUND' }] });

    const org = await s.deps.repos.tenants.create({ code: unique('org_named'), name: 'Named', kind: 'standard' }, Date.now());
    const { id } = await create({ organization_code: org.code });
    expect((await getUserData({ client: s.api, query: { id, expand: 'organizations' } })).data!.organizations).toEqual([org.code]);
    const { id: other } = await create({});
    expect((await getUserData({ client: s.api, query: { id: other, expand: 'organizations' } })).data!.organizations).toEqual([(await defaultOrganization()).code]);
  });

  it('refuses bad input with 400 naming the field', async () => {
    const auth = (s.api.getConfig().headers as Headers).get('authorization')!;
    const post = (body: unknown) => fetch(`${s.baseUrl}/api/v1/user`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) });
    for (const [body, field] of [
      [{ identities: [{ type: 'email', details: { phone: '+611234' } }] }, 'email'],
      [{ identities: [{ type: 'email', details: { email: 'not-an-email' } }] }, 'email'],
      [{ identities: [{ type: 'username', details: { username: 'has space' } }] }, 'username'],
      [{ identities: [{ type: 'fax', details: {} }] }, 'type'],
      [{ profile: { given_name: 'A\u0007' } }, 'given_name'],
      [{ profile: { picture: 'javascript:alert(1)' } }, 'picture'],
      [{ nickname: 'x' }, 'nickname'],
    ] as const) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).errors[0]).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining(field) });
    }
    expect((await getUserData({ client: s.api, query: { id: 'kp_x', expand: 'billing,everything' as never } })).response.status).toBe(400);
    expect((await getUsers({ client: s.api, query: { next_token: 'bm90LWEtY3Vyc29y' } })).response.status).toBe(400);
  });

  it('answers 404 with USER_NOT_FOUND for an unknown id on every user operation', async () => {
    const id = 'kp_00000000000000000000000000000000';
    const results = await Promise.all([
      getUserData({ client: s.api, query: { id } }),
      updateUser({ client: s.api, query: { id }, body: { given_name: 'X' } }),
      deleteUser({ client: s.api, query: { id } }),
      refreshUserClaims({ client: s.api, path: { user_id: id } }),
      setUserPassword({ client: s.api, path: { user_id: id }, body: { hashed_password: bcryptOf('x') } }),
    ]);
    for (const r of results) {
      expect(r.response.status).toBe(404);
      expect(r.error).toMatchObject({ errors: [{ code: 'USER_NOT_FOUND' }] });
    }
  });

  it("needs each operation's scope", async () => {
    const { id } = await withEmail();
    const reader = await s.clientWithScopes(['read:users']);
    expect((await getUsers({ client: reader })).response.status).toBe(200);
    expect((await getUserData({ client: reader, query: { id } })).response.status).toBe(200);
    for (const r of [
      await createUser({ client: reader, body: {} }),
      await updateUser({ client: reader, query: { id }, body: {} }),
      await deleteUser({ client: reader, query: { id } }),
      await refreshUserClaims({ client: reader, path: { user_id: id } }),
      await setUserPassword({ client: reader, path: { user_id: id }, body: { hashed_password: bcryptOf('x') } }),
    ]) {
      expect(r.response.status).toBe(403);
      expect(r.error).toMatchObject({ errors: [{ code: 'FORBIDDEN' }] });
    }
    const writer = await s.clientWithScopes(['create:users']);
    expect((await getUsers({ client: writer })).response.status).toBe(403);
    expect((await createUser({ client: writer, body: {} })).response.status).toBe(200);
  });
});

describe('users: the list', () => {
  it('pages to the end with next_token in creation order, each user once', async () => {
    for (let i = 0; i < 12; i++) await withEmail();
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const r = await getUsers({ client: s.api, query: { page_size: 5, next_token: next } });
      expect(r.response.status).toBe(200);
      expect(r.data!.users.length).toBeLessThanOrEqual(5);
      seen.push(...r.data!.users.map((u) => u.id));
      next = r.data!.next_token;
      pages++;
    } while (next);
    const all = await s.deps.db.selectFrom('users').select(['public_id']).orderBy('created_at').orderBy('id').execute();
    expect(seen).toEqual(all.map((u) => u.public_id));
    expect(pages).toBe(Math.ceil(all.length / 5));
  });

  it('filters exactly by ids, emails (any case), usernames and phones, each a comma-separated list', async () => {
    const a = await withEmail(`${unique('filter')}@example.com`, { identities: [{ type: 'username', details: { username: unique('fa') } }, { type: 'phone', details: { phone: `+6140000${seq}` } }] });
    const b = await withEmail();
    const c = await withEmail();
    const ids = (r: Awaited<ReturnType<typeof getUsers>>) => r.data!.users.map((u) => u.id).sort();

    expect(ids(await getUsers({ client: s.api, query: { user_id: `${a.id},${b.id}` } }))).toEqual([a.id, b.id].sort());
    expect(ids(await getUsers({ client: s.api, query: { email: `${a.email.toUpperCase()}, ${c.email}` } }))).toEqual([a.id, c.id].sort());
    const aRow = (await getUserData({ client: s.api, query: { id: a.id } })).data!;
    expect(ids(await getUsers({ client: s.api, query: { username: aRow.username!.toUpperCase() } }))).toEqual([a.id]);
    expect(ids(await getUsers({ client: s.api, query: { phone: aRow.phone! } }))).toEqual([a.id]);
    expect(ids(await getUsers({ client: s.api, query: { email: a.email, user_id: b.id } }))).toEqual([]);
    expect(ids(await getUsers({ client: s.api, query: { email: `${unique('nobody')}@example.com` } }))).toEqual([]);
    expect(ids(await getUsers({ client: s.api, query: { email: ',' } }))).toEqual([]);
    // The list names the user's primary email, and expands on request.
    const listed = await getUsers({ client: s.api, query: { user_id: a.id, expand: 'identities' } });
    expect(listed.data!.users[0]).toMatchObject({ id: a.id, email: a.email, identities: expect.arrayContaining([{ type: 'email', identity: a.email, connection_id: null }]) });
    expect(listed.data!.users[0]).not.toHaveProperty('organizations');
  });

  it('filters by organization membership and by recent sign-in', async () => {
    const org = await s.deps.repos.tenants.create({ code: unique('org_member'), name: 'Members', kind: 'standard' }, Date.now());
    const member = await withEmail(undefined, { organization_code: org.code });
    // A user in no organization at all (the management API puts every user it creates in one).
    const loner = { id: (await s.deps.repos.users.create({ email: `${unique('loner')}@example.com` }, null, Date.now())).public_id };
    const has = await getUsers({ client: s.api, query: { user_id: `${member.id},${loner.id}`, has_organization: true, expand: 'organizations' } });
    expect(has.data!.users.map((u) => [u.id, u.organizations])).toEqual([[member.id, [org.code]]]);
    const hasNot = await getUsers({ client: s.api, query: { user_id: `${member.id},${loner.id}`, has_organization: false } });
    expect(hasNot.data!.users.map((u) => u.id)).toEqual([loner.id]);

    await setUserPassword({ client: s.api, path: { user_id: member.id }, body: { hashed_password: bcryptOf('member-password') } });
    const since = new Date(Date.now() - 1000).toISOString();
    expect((await signIn(member.email, 'member-password')).response.status).toBe(200);
    const active = await getUsers({ client: s.api, query: { user_id: `${member.id},${loner.id}`, active_since: since } });
    expect(active.data!.users.map((u) => u.id)).toEqual([member.id]);
    expect((await getUsers({ client: s.api, query: { user_id: member.id, active_since: new Date(Date.now() + 60_000).toISOString() } })).data!.users).toEqual([]);
  });
});

describe('users: update, claims, delete', () => {
  it('changes the profile and answers update_user_response', async () => {
    const { id, email } = await withEmail();
    const r = await updateUser({ client: s.api, query: { id }, body: { given_name: 'Grace', family_name: 'Hopper', picture: 'https://example.com/g.png', provided_id: 'ext-1', is_password_reset_requested: true } });
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ id, given_name: 'Grace', family_name: 'Hopper', email, is_suspended: false, is_password_reset_requested: true, picture: 'https://example.com/g.png' });
    expect(await dbUser(id)).toMatchObject({ full_name: 'Grace Hopper', provided_id: 'ext-1', password_reset_requested: 1 });
    const empty = await updateUser({ client: s.api, query: { id }, body: {} });
    expect(empty.data).toMatchObject({ given_name: 'Grace', is_password_reset_requested: true });
  });

  it('suspending ends the sessions and revokes the tokens at once; the user can no longer sign in', async () => {
    const { id, email } = await withEmail();
    await setUserPassword({ client: s.api, path: { user_id: id }, body: { hashed_password: bcryptOf('suspend-me-1') } });
    const login = await signIn(email, 'suspend-me-1');
    const cookie = sessionCookie(login.response)!;
    const tokens = await userTokens(id);
    expect((await getBrowserSession({ client: s.client, headers: { Cookie: `kendr_session=${cookie}` } })).response.status).toBe(200);

    const r = await updateUser({ client: s.api, query: { id }, body: { is_suspended: true } });
    expect(r.data).toMatchObject({ is_suspended: true });
    expect((await getBrowserSession({ client: s.client, headers: { Cookie: `kendr_session=${cookie}` } })).response.status).toBe(401);
    expect((await findTokenRow(s.deps, tokens.access_token))!.revoked_at).not.toBeNull();
    expect((await s.deps.repos.oauthTokens.findByHash(hashToken(tokens.refresh_token!)))!.revoked_at).not.toBeNull();
    const refused = await signIn(email, 'suspend-me-1');
    expect(refused.response.status).toBe(403);
    expect((await getUserData({ client: s.api, query: { id } })).data!.is_suspended).toBe(true);

    await updateUser({ client: s.api, query: { id }, body: { is_suspended: false } });
    expect((await signIn(email, 'suspend-me-1')).response.status).toBe(200);
  });

  it('refresh_claims records the change', async () => {
    const { id } = await withEmail();
    const r = await refreshUserClaims({ client: s.api, path: { user_id: id } });
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ code: 'CLAIMS_REFRESHED', message: 'Claims successfully refreshed' });
    expect((await dbUser(id))!.claims_changed_at).toEqual(expect.any(Number));
  });

  it('deletes a user after ending their sessions and tokens; everything of theirs goes, their email is free again', async () => {
    const org = await s.deps.repos.tenants.create({ code: unique('org_del'), name: 'Del', kind: 'standard' }, Date.now());
    const { id, email } = await withEmail(undefined, { organization_code: org.code });
    await setUserPassword({ client: s.api, path: { user_id: id }, body: { hashed_password: bcryptOf('delete-me-1') } });
    const cookie = sessionCookie((await signIn(email, 'delete-me-1')).response)!;
    const tokens = await userTokens(id);
    const identityId = (await getUserIdentities({ client: s.api, path: { user_id: id } })).data!.identities[0].id;

    const r = await deleteUser({ client: s.api, query: { id, is_delete_profile: true } });
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ code: 'USER_DELETED', message: 'User successfully deleted' });
    expect((await getUserData({ client: s.api, query: { id } })).response.status).toBe(404);
    expect((await getIdentity({ client: s.api, path: { identity_id: identityId } })).response.status).toBe(404);
    expect((await getBrowserSession({ client: s.client, headers: { Cookie: `kendr_session=${cookie}` } })).response.status).toBe(401);
    expect(await findTokenRow(s.deps, tokens.access_token)).toBeUndefined();
    expect(await s.deps.db.selectFrom('memberships').selectAll().where('organization_id', '=', org.id).execute()).toEqual([]);
    expect((await deleteUser({ client: s.api, query: { id } })).response.status).toBe(404);
    await withEmail(email);
  });
});

const PBKDF2_SALT = randomBytes(16);
const importedHashes: [string, string, SetUserPasswordData['body']][] = [
  ['bcrypt ($2b$)', 'Bcrypt-pw-1', { hashed_password: bcryptOf('Bcrypt-pw-1') }],
  ['bcrypt ($2y$)', 'Bcrypt-pw-2', { hashed_password: bcryptOf('Bcrypt-pw-2').replace(/^\$2b\$/, '$2y$'), hashing_method: 'bcrypt' }],
  ['crypt MD5 ($1$)', 'Hello world!', { hashed_password: '$1$saltstr$QM9HTGmcCulEKt42JFhZ/.', hashing_method: 'crypt' }],
  ['crypt SHA-256 ($5$, rounds)', 'Hello world!', { hashed_password: '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA', hashing_method: 'crypt' }],
  ['crypt SHA-512 ($6$)', 'Hello world!', { hashed_password: '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1', hashing_method: 'crypt' }],
  ['crypt bcrypt', 'crypt-bcrypt', { hashed_password: bcryptOf('crypt-bcrypt'), hashing_method: 'crypt' }],
  ['md5, salt prefix', 'md5-pw', { hashed_password: createHash('md5').update('s4lt' + 'md5-pw').digest('hex').toUpperCase(), hashing_method: 'md5', salt: 's4lt' }],
  ['md5, unsalted', 'md5-plain', { hashed_password: createHash('md5').update('md5-plain').digest('hex'), hashing_method: 'md5' }],
  ['sha256, salt suffix', 'sha-pw', { hashed_password: createHash('sha256').update('sha-pw' + 'pepper').digest('hex'), hashing_method: 'sha256', salt: 'pepper', salt_position: 'suffix' }],
  ['wordpress phpass', 'test12345', { hashed_password: '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0', hashing_method: 'wordpress' }],
  [
    'wordpress 6.8 ($wp$)',
    'wp-Password-68',
    { hashed_password: '$wp' + bcrypt.hashSync(createHmac('sha384', 'wp-sha384').update('wp-Password-68').digest('base64'), 4).replace(/^\$2b\$/, '$2y$'), hashing_method: 'wordpress' },
  ],
  [
    'pbkdf2 (FusionAuth salted-pbkdf2-hmac-sha256)',
    'pbkdf2-pw',
    { hashed_password: pbkdf2Sync('pbkdf2-pw', PBKDF2_SALT, 1000, 32, 'sha256').toString('base64'), hashing_method: 'pbkdf2', salt: PBKDF2_SALT.toString('base64'), iterations: 1000, variant: 'salted-pbkdf2-hmac-sha256' },
  ],
  [
    'pbkdf2 (sha512, 512 bits, default iterations)',
    'pbkdf2-pw-512',
    { hashed_password: pbkdf2Sync('pbkdf2-pw-512', PBKDF2_SALT, 24000, 64, 'sha512').toString('base64'), hashing_method: 'pbkdf2', salt: PBKDF2_SALT.toString('base64'), variant: 'salted-pbkdf2-hmac-sha512-512' },
  ],
];

describe('users: imported passwords', () => {
  it.each(importedHashes)('%s: signs in with the password it was made from, then holds an argon2id hash', async (_, password, body) => {
    const { id, email } = await withEmail();
    const r = await setUserPassword({ client: s.api, path: { user_id: id }, body });
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ code: 'PASSWORD_SET', message: 'User password successfully set' });
    expect(JSON.parse((await credential(id))!.meta!)).toMatchObject({ import: { method: body.hashing_method ?? 'bcrypt' } });

    expect((await signIn(email, password + 'x')).response.status).toBe(401);
    expect((await signIn(email, password)).response.status).toBe(200);
    const after = (await credential(id))!;
    expect(after.meta).toBeNull();
    expect(after.secret).toMatch(/^\$argon2id\$/);
    expect((await signIn(email, password)).response.status).toBe(200);
    expect((await signIn(email, password + 'x')).response.status).toBe(401);
  });

  it('takes a password in clear instead of a hash: stored as argon2id, never in clear; mixing the two is refused', async () => {
    const { id, email } = await withEmail();
    const r = await setUserPassword({ client: s.api, path: { user_id: id }, body: { password: 'Clear-Pass-77' } as SetUserPasswordData['body'] });
    expect(r.response.status).toBe(200);
    const stored = (await credential(id))!;
    expect(stored.secret).toMatch(/^\$argon2id\$/);
    expect(stored.meta).toBeNull();
    expect(JSON.stringify(await s.deps.db.selectFrom('credentials').selectAll().execute())).not.toContain('Clear-Pass-77');
    expect((await signIn(email, 'Clear-Pass-77')).response.status).toBe(200);
    for (const body of [{ password: 'Clear-Pass-77', hashing_method: 'bcrypt' }, { password: 'short' }, {}]) {
      expect((await setUserPassword({ client: s.api, path: { user_id: id }, body: body as SetUserPasswordData['body'] })).response.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('refuses a hash that is not of its method\'s form, or too costly to check, with 400', async () => {
    const { id } = await withEmail();
    for (const body of [
      { hashed_password: '$2b$31$' + 'a'.repeat(53) },
      { hashed_password: 'plain-text-password' },
      { hashed_password: 'zz'.repeat(16), hashing_method: 'md5' },
      { hashed_password: '$5$rounds=999999$salt$' + 'a'.repeat(43), hashing_method: 'crypt' },
      { hashed_password: '$P$Z' + 'a'.repeat(30), hashing_method: 'wordpress' },
      { hashed_password: 'a'.repeat(44), hashing_method: 'pbkdf2', variant: 'salted-pbkdf2-hmac-sha256' },
      { hashed_password: bcryptOf('x'), hashing_method: 'argon2' },
      { hashed_password: bcryptOf('x'), password: 'clear text' },
    ] as SetUserPasswordData['body'][]) {
      const r = await setUserPassword({ client: s.api, path: { user_id: id }, body });
      expect(r.response.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('ends the sessions and tokens, and marks a temporary password as a reset request', async () => {
    const { id, email } = await withEmail();
    await setUserPassword({ client: s.api, path: { user_id: id }, body: { hashed_password: bcryptOf('first-pw-1') } });
    const cookie = sessionCookie((await signIn(email, 'first-pw-1')).response)!;
    const tokens = await userTokens(id);
    await setUserPassword({ client: s.api, path: { user_id: id }, body: { hashed_password: bcryptOf('second-pw-2'), is_temporary_password: true } });
    expect((await getBrowserSession({ client: s.client, headers: { Cookie: `kendr_session=${cookie}` } })).response.status).toBe(401);
    expect((await findTokenRow(s.deps, tokens.access_token))!.revoked_at).not.toBeNull();
    expect((await signIn(email, 'first-pw-1')).response.status).toBe(401);
    expect((await signIn(email, 'second-pw-2')).response.status).toBe(200);
    expect((await updateUser({ client: s.api, query: { id }, body: {} })).data!.is_password_reset_requested).toBe(true);
  });
});

describe('users: sign-in statistics', () => {
  it('counts successful and failed password sign-ins for the user and the email identity', async () => {
    const { id, email } = await withEmail();
    await setUserPassword({ client: s.api, path: { user_id: id }, body: { hashed_password: bcryptOf('stats-pw-1') } });
    expect((await signIn(email, 'wrong')).response.status).toBe(401);
    expect((await signIn(email, 'wrong')).response.status).toBe(401);
    let user = (await getUserData({ client: s.api, query: { id } })).data!;
    expect(user).toMatchObject({ total_sign_ins: 0, failed_sign_ins: 2, last_signed_in: null });

    const start = Date.now();
    expect((await signIn(email.toUpperCase(), 'stats-pw-1')).response.status).toBe(200);
    expect((await signIn(email, 'stats-pw-1')).response.status).toBe(200);
    user = (await getUserData({ client: s.api, query: { id } })).data!;
    // failed_sign_ins counts the failures since the last success.
    expect(user).toMatchObject({ total_sign_ins: 2, failed_sign_ins: 0 });
    expect(Date.parse(user.last_signed_in!)).toBeGreaterThanOrEqual(start - 5);
    const [identity] = (await getUserIdentities({ client: s.api, path: { user_id: id } })).data!.identities;
    expect(identity).toMatchObject({ type: 'email', name: email, total_logins: 2, last_login_on: user.last_signed_in });

    expect((await signIn(email, 'wrong')).response.status).toBe(401);
    expect((await getUserData({ client: s.api, query: { id } })).data).toMatchObject({ total_sign_ins: 2, failed_sign_ins: 1 });
  });

  it('counts an SSO sign-in for the user and the upstream identity it used (recordSignIn, as completeSso calls it)', async () => {
    const { id } = await withEmail();
    const issuer = 'https://idp.example.com';
    const sub = unique('upstream-sub');
    expect((await createUserIdentity({ client: s.api, path: { user_id: id }, body: { type: 'enterprise', value: sub, connection_id: issuer } })).response.status).toBe(200);
    await recordSignIn(s.deps, (await dbUser(id))!.id, { type: 'upstream', provider: issuer, value: sub });
    expect((await getUserData({ client: s.api, query: { id } })).data).toMatchObject({ total_sign_ins: 1, last_signed_in: expect.any(String) });
    const identities = (await getUserIdentities({ client: s.api, path: { user_id: id } })).data!.identities;
    expect(identities.map((i) => [i.type, i.total_logins])).toEqual([['email', 0], ['enterprise', 1]]);
  });

  it('does not count sign-ins refused for a suspended user, nor attempts on unknown emails', async () => {
    const { id, email } = await withEmail();
    await setUserPassword({ client: s.api, path: { user_id: id }, body: { hashed_password: bcryptOf('stats-pw-2') } });
    await updateUser({ client: s.api, query: { id }, body: { is_suspended: true } });
    expect((await signIn(email, 'stats-pw-2')).response.status).toBe(403);
    expect((await signIn(`${unique('ghost')}@example.com`, 'stats-pw-2')).response.status).toBe(401);
    expect((await getUserData({ client: s.api, query: { id } })).data).toMatchObject({ total_sign_ins: 0, failed_sign_ins: 0 });
  });
});

describe('@kinde/management-api-js against Keyhaven: users', () => {
  it('creates, lists, reads, updates, imports a password for and deletes a user through the library, unmodified', async () => {
    const clientId = `users-${randomBytes(6).toString('hex')}`;
    const clientSecret = randomBytes(24).toString('hex');
    await s.deps.repos.oauthClients.insert({
      clientId, name: clientId, type: 'confidential', redirectUris: [], logoutUris: [], grantTypes: ['client_credentials'],
      defaultScopes: ['read:users', 'create:users', 'update:users', 'delete:users', 'update:user_refresh_claims', 'update:user_passwords'],
      tokenFormat: 'jwt', firstParty: true, audiences: [managementAudience(s.deps)], secretHash: hashToken(clientSecret), createdAt: Date.now(),
    });
    init({ kindeDomain: s.baseUrl, clientId, clientSecret });

    const email = `${unique('lib')}@example.com`;
    const created = await Users.createUser({ requestBody: { profile: { given_name: 'Lib', family_name: 'Rary' }, identities: [{ type: 'email', is_verified: true, details: { email } }] } });
    expect(created).toMatchObject({ id: expect.stringMatching(/^kp_/), created: true });
    const listed = await Users.getUsers({ email, expand: 'organizations,identities' });
    expect(listed.users).toEqual([expect.objectContaining({ id: created.id, email, first_name: 'Lib', last_name: 'Rary', organizations: [(await defaultOrganization()).code], identities: [{ type: 'email', identity: email, connection_id: null }] })]);
    expect(await Users.getUserData({ id: created.id! })).toMatchObject({ id: created.id, preferred_email: email });
    expect(await Users.updateUser({ id: created.id!, requestBody: { given_name: 'Libby' } })).toMatchObject({ given_name: 'Libby' });
    expect(await Users.refreshUserClaims({ userId: created.id! })).toMatchObject({ code: 'CLAIMS_REFRESHED' });
    expect(await Users.setUserPassword({ userId: created.id!, requestBody: { hashed_password: bcryptOf('library-pw-1'), hashing_method: 'bcrypt' } })).toMatchObject({ code: 'PASSWORD_SET' });
    expect((await signIn(email, 'library-pw-1')).response.status).toBe(200);
    expect(await Users.deleteUser({ id: created.id!, isDeleteProfile: true })).toMatchObject({ code: 'USER_DELETED' });
    await expect(Users.getUserData({ id: created.id! })).rejects.toThrow();
  });
});
