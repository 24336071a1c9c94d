import { randomBytes } from 'node:crypto';
import { Identities, Users, init } from '@kinde/management-api-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, createUserIdentity, deleteIdentity, getIdentity, getUserData, getUserIdentities, updateIdentity } from '../../../generated/client';
import type { CreateUserIdentityData } from '../../../generated/client';
import { managementAudience } from '../../../src/services/oauth/clients';
import { hashToken } from '../../../src/services/crypto';
import { startManagementServer, type ManagementServer } from '../../helpers/management';

let s: ManagementServer;
let seq = 0;
const unique = (prefix: string) => `${prefix}${++seq}${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  s = await startManagementServer({ KEYHAVEN_ARGON2_MEMORY_KIB: '1024', KEYHAVEN_ARGON2_TIME: '1' });
});
afterAll(() => s.close());

async function newUser(email = `${unique('id')}@example.com`) {
  const r = await createUser({ client: s.api, body: { identities: [{ type: 'email', is_verified: true, details: { email } }] } });
  expect(r.response.status).toBe(200);
  return { id: r.data!.id, email };
}
type IdentityBody = NonNullable<CreateUserIdentityData['body']>;
async function add(userId: string, body: IdentityBody) {
  const r = await createUserIdentity({ client: s.api, path: { user_id: userId }, body });
  expect(r.response.status, JSON.stringify(r.error)).toBe(200);
  expect(r.data).toEqual({ code: 'IDENTITY_CREATED', message: 'Identity successfully created', identity: { id: expect.stringMatching(/^identity_[0-9a-f]{32}$/) } });
  return r.data!.identity.id;
}
const list = async (userId: string) => (await getUserIdentities({ client: s.api, path: { user_id: userId }, query: { page_size: 500 } })).data!.identities;

describe('identities', () => {
  it('adds identities of every type and reads them back one by one and as a list', async () => {
    const { id: userId, email } = await newUser();
    const second = `${unique('Second')}@Example.com`;
    const emailId = await add(userId, { type: 'email', value: second });
    const usernameId = await add(userId, { type: 'username', value: 'Ada_' + seq });
    const phoneId = await add(userId, { type: 'phone', value: '+61426148233' + String(seq).slice(0, 1), phone_country_id: 'au' });
    const socialId = await add(userId, { type: 'social', value: 'google-sub-' + seq, connection_id: 'conn_google' });
    const enterpriseId = await add(userId, { type: 'enterprise', value: 'okta-sub-' + seq, connection_id: 'https://idp.example.com' });

    const one = await getIdentity({ client: s.api, path: { identity_id: emailId } });
    expect(one.response.status).toBe(200);
    expect(one.data).toEqual({
      id: emailId,
      type: 'email',
      is_confirmed: false,
      created_on: expect.stringMatching(/^\d{4}-/),
      total_logins: 0,
      name: second.toLowerCase(),
      email: second.toLowerCase(),
      connection_id: null,
      is_primary: false,
    });
    expect((await getIdentity({ client: s.api, path: { identity_id: usernameId } })).data).toMatchObject({ type: 'username', name: 'ada_' + seq, is_confirmed: true, is_primary: true });
    expect((await getIdentity({ client: s.api, path: { identity_id: phoneId } })).data).toMatchObject({ type: 'phone', is_confirmed: false, is_primary: true });
    expect((await getIdentity({ client: s.api, path: { identity_id: socialId } })).data).toMatchObject({ type: 'social', connection_id: 'conn_google', is_confirmed: true });
    expect((await getIdentity({ client: s.api, path: { identity_id: enterpriseId } })).data).toMatchObject({ type: 'enterprise', connection_id: 'https://idp.example.com' });

    const all = await list(userId);
    expect(all.map((i) => [i.type, i.name, i.is_primary])).toEqual([
      ['email', email, true],
      ['email', second.toLowerCase(), false],
      ['username', 'ada_' + seq, true],
      ['phone', expect.any(String), true],
      ['social', 'google-sub-' + seq, true],
      // Social and enterprise identities are both upstream identities, with one primary between them.
      ['enterprise', 'okta-sub-' + seq, false],
    ]);
    // The user's expanded identities name the connections too.
    const user = (await getUserData({ client: s.api, query: { id: userId, expand: 'identities' } })).data!;
    expect(user.identities).toContainEqual({ type: 'social', identity: 'google-sub-' + seq, connection_id: 'conn_google' });
    expect(user.username).toBe('ada_' + seq);
  });

  it('refuses a value that already identifies someone with 409 (emails and usernames in any case)', async () => {
    const a = await newUser();
    const b = await newUser();
    const name = unique('taken');
    await add(a.id, { type: 'username', value: name });
    for (const body of [
      { type: 'email', value: a.email.toUpperCase() },
      { type: 'username', value: name.toUpperCase() },
      { type: 'email', value: b.email },
    ] as IdentityBody[]) {
      const r = await createUserIdentity({ client: s.api, path: { user_id: b.id }, body });
      expect(r.response.status, JSON.stringify(body)).toBe(409);
      expect(r.error).toMatchObject({ errors: [{ code: 'IDENTITY_TAKEN' }] });
    }
    // The same upstream subject may belong to different users at different connections.
    await add(a.id, { type: 'social', value: 'shared-sub', connection_id: 'conn_a' });
    await add(b.id, { type: 'social', value: 'shared-sub', connection_id: 'conn_b' });
    expect((await createUserIdentity({ client: s.api, path: { user_id: b.id }, body: { type: 'social', value: 'shared-sub', connection_id: 'conn_a' } })).response.status).toBe(409);
  });

  it('refuses bad input with 400 naming the field, and unknown users and identities with 404', async () => {
    const { id } = await newUser();
    for (const [body, field] of [
      [{ type: 'email', value: 'not-an-email' }, 'value'],
      [{ type: 'phone', value: 'call me' }, 'value'],
      [{ type: 'username', value: 'with space' }, 'value'],
      [{ type: 'social', value: 'sub' }, 'connection_id'],
      [{ type: 'enterprise', value: 'sub' }, 'connection_id'],
      [{ type: 'fax', value: '123' }, 'type'],
      [{ value: 'x@example.com' }, 'type'],
    ] as const) {
      const r = await createUserIdentity({ client: s.api, path: { user_id: id }, body: body as IdentityBody });
      expect(r.response.status, JSON.stringify(body)).toBe(400);
      expect(r.error).toMatchObject({ errors: [{ code: 'BAD_REQUEST', message: expect.stringContaining(field) }] });
    }
    const ghost = 'kp_00000000000000000000000000000000';
    const unknownUser = await createUserIdentity({ client: s.api, path: { user_id: ghost }, body: { type: 'email', value: `${unique('g')}@example.com` } });
    expect(unknownUser.response.status).toBe(404);
    expect(unknownUser.error).toMatchObject({ errors: [{ code: 'USER_NOT_FOUND' }] });
    expect((await getUserIdentities({ client: s.api, path: { user_id: ghost } })).response.status).toBe(404);
    const missing = 'identity_00000000000000000000000000000000';
    for (const r of [
      await getIdentity({ client: s.api, path: { identity_id: missing } }),
      await updateIdentity({ client: s.api, path: { identity_id: missing }, body: { is_primary: true } }),
      await deleteIdentity({ client: s.api, path: { identity_id: missing } }),
    ]) {
      expect(r.response.status).toBe(404);
      expect(r.error).toMatchObject({ errors: [{ code: 'IDENTITY_NOT_FOUND' }] });
    }
    expect((await updateIdentity({ client: s.api, path: { identity_id: missing }, body: { is_primary: 'yes' as never } })).response.status).toBe(400);
  });

  it('makes an identity primary; the primary email is the user\'s email, and false hands the role on', async () => {
    const { id: userId, email } = await newUser();
    const other = `${unique('other')}@example.com`;
    const otherId = await add(userId, { type: 'email', value: other });
    const firstId = (await list(userId))[0].id;

    const r = await updateIdentity({ client: s.api, path: { identity_id: otherId }, body: { is_primary: true } });
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ code: 'IDENTITY_UPDATED', message: 'Identity successfully updated' });
    expect((await list(userId)).map((i) => [i.name, i.is_primary])).toEqual([[email, false], [other, true]]);
    expect((await getUserData({ client: s.api, query: { id: userId } })).data!.preferred_email).toBe(other);
    expect((await s.deps.repos.users.findByPublicId(userId))!.email_verified).toBe(0);

    await updateIdentity({ client: s.api, path: { identity_id: otherId }, body: { is_primary: false } });
    expect((await list(userId)).map((i) => [i.name, i.is_primary])).toEqual([[email, true], [other, false]]);
    expect((await getUserData({ client: s.api, query: { id: userId } })).data!.preferred_email).toBe(email);
    // A type's only identity stays primary.
    const nameId = await add(userId, { type: 'username', value: unique('solo') });
    await updateIdentity({ client: s.api, path: { identity_id: nameId }, body: { is_primary: false } });
    expect((await getIdentity({ client: s.api, path: { identity_id: nameId } })).data!.is_primary).toBe(true);
    expect((await updateIdentity({ client: s.api, path: { identity_id: firstId }, body: {} })).response.status).toBe(200);
  });

  it('deletes identities, handing the primary role on, but never the user\'s last one (409)', async () => {
    const { id: userId, email } = await newUser();
    const other = `${unique('next')}@example.com`;
    const otherId = await add(userId, { type: 'email', value: other });
    const [first] = await list(userId);

    const r = await deleteIdentity({ client: s.api, path: { identity_id: first.id } });
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ code: 'IDENTITY_DELETED', message: 'Identity successfully deleted' });
    expect((await list(userId)).map((i) => [i.id, i.is_primary])).toEqual([[otherId, true]]);
    expect((await getUserData({ client: s.api, query: { id: userId } })).data!.preferred_email).toBe(other);
    // The removed email identifies nobody now.
    await newUser(email);

    const last = await deleteIdentity({ client: s.api, path: { identity_id: otherId } });
    expect(last.response.status).toBe(409);
    expect(last.error).toMatchObject({ errors: [{ code: 'LAST_IDENTITY' }] });
    expect(await list(userId)).toHaveLength(1);
  });

  it('pages to the end with next_token, and with starting_after / ending_before (the Kinde client\'s cursors)', async () => {
    const { id: userId } = await newUser();
    for (let i = 0; i < 11; i++) await add(userId, { type: 'username', value: unique('page') });
    const all = (await list(userId)).map((i) => i.id);
    expect(all).toHaveLength(12);

    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const r = await getUserIdentities({ client: s.api, path: { user_id: userId }, query: { page_size: 5, next_token: next } });
      expect(r.response.status).toBe(200);
      seen.push(...r.data!.identities.map((i) => i.id));
      expect(r.data!.has_more).toBe(r.data!.next_token !== undefined);
      next = r.data!.next_token;
      pages++;
    } while (next);
    expect(pages).toBe(3);
    expect(seen).toEqual(all);

    const after = await getUserIdentities({ client: s.api, path: { user_id: userId }, query: { page_size: 5, starting_after: all[4] } });
    expect(after.data!.identities.map((i) => i.id)).toEqual(all.slice(5, 10));
    expect(after.data!.has_more).toBe(true);
    const tail = await getUserIdentities({ client: s.api, path: { user_id: userId }, query: { starting_after: all[9] } });
    expect(tail.data).toMatchObject({ has_more: false });
    expect(tail.data!.identities.map((i) => i.id)).toEqual(all.slice(10));
    const before = await getUserIdentities({ client: s.api, path: { user_id: userId }, query: { page_size: 3, ending_before: all[7] } });
    expect(before.data!.identities.map((i) => i.id)).toEqual(all.slice(4, 7));
    expect(before.data!.has_more).toBe(true);
    const head = await getUserIdentities({ client: s.api, path: { user_id: userId }, query: { page_size: 3, ending_before: all[2] } });
    expect(head.data!.identities.map((i) => i.id)).toEqual(all.slice(0, 2));
    expect(head.data!.has_more).toBe(false);

    // A cursor must be one of this user's identities, and a token one the server issued.
    const stranger = (await list((await newUser()).id))[0].id;
    const foreign = await getUserIdentities({ client: s.api, path: { user_id: userId }, query: { starting_after: stranger } });
    expect(foreign.response.status).toBe(404);
    expect(foreign.error).toMatchObject({ errors: [{ code: 'IDENTITY_NOT_FOUND' }] });
    expect((await getUserIdentities({ client: s.api, path: { user_id: userId }, query: { next_token: 'bm90LWEtY3Vyc29y' } })).response.status).toBe(400);
  });

  it('gives identities ids even when made outside the management API, the first of each type primary', async () => {
    const user = await s.deps.repos.users.create({ email: `${unique('registered')}@example.com` }, null, Date.now());
    const [identity] = await list(user.public_id);
    expect(identity).toMatchObject({ id: expect.stringMatching(/^identity_[0-9a-f]{32}$/), type: 'email', is_primary: true });
  });

  it("needs each operation's scope", async () => {
    const { id } = await newUser();
    const [identity] = await list(id);
    const reader = await s.clientWithScopes(['read:user_identities', 'read:identities']);
    expect((await getUserIdentities({ client: reader, path: { user_id: id } })).response.status).toBe(200);
    expect((await getIdentity({ client: reader, path: { identity_id: identity.id } })).response.status).toBe(200);
    for (const r of [
      await createUserIdentity({ client: reader, path: { user_id: id }, body: { type: 'username', value: unique('nope') } }),
      await updateIdentity({ client: reader, path: { identity_id: identity.id }, body: { is_primary: true } }),
      await deleteIdentity({ client: reader, path: { identity_id: identity.id } }),
    ]) {
      expect(r.response.status).toBe(403);
      expect(r.error).toMatchObject({ errors: [{ code: 'FORBIDDEN' }] });
    }
    const other = await s.clientWithScopes(['read:identities']);
    expect((await getUserIdentities({ client: other, path: { user_id: id } })).response.status).toBe(403);
  });
});

describe('@kinde/management-api-js against Keyhaven: identities', () => {
  it('adds, lists (with startingAfter), reads, updates and deletes identities through the library, unmodified', async () => {
    const clientId = `identities-${randomBytes(6).toString('hex')}`;
    const clientSecret = randomBytes(24).toString('hex');
    await s.deps.repos.oauthClients.insert({
      clientId, name: clientId, type: 'confidential', redirectUris: [], logoutUris: [], grantTypes: ['client_credentials'],
      defaultScopes: ['read:user_identities', 'create:user_identities', 'read:identities', 'update:identities', 'delete:identities'],
      tokenFormat: 'jwt', firstParty: true, audiences: [managementAudience(s.deps)], secretHash: hashToken(clientSecret), createdAt: Date.now(),
    });
    init({ kindeDomain: s.baseUrl, clientId, clientSecret });

    const { id: userId, email } = await newUser();
    const added = await Users.createUserIdentity({ userId, requestBody: { type: 'email', value: `${unique('lib')}@example.com` } });
    expect(added).toMatchObject({ code: 'IDENTITY_CREATED', identity: { id: expect.stringMatching(/^identity_/) } });
    const listed = await Users.getUserIdentities({ userId });
    expect(listed).toMatchObject({ has_more: false });
    expect(listed.identities!.map((i) => i.name)).toEqual([email, expect.stringMatching(/^lib/)]);
    const after = await Users.getUserIdentities({ userId, startingAfter: listed.identities![0].id });
    expect(after.identities!.map((i) => i.id)).toEqual([added.identity!.id]);
    expect(await Identities.getIdentity({ identityId: added.identity!.id! })).toMatchObject({ id: added.identity!.id, type: 'email', is_primary: false });
    expect(await Identities.updateIdentity({ identityId: added.identity!.id!, requestBody: { is_primary: true } })).toMatchObject({ code: 'IDENTITY_UPDATED' });
    expect(await Identities.deleteIdentity({ identityId: listed.identities![0].id! })).toMatchObject({ code: 'IDENTITY_DELETED' });
    await expect(Identities.deleteIdentity({ identityId: added.identity!.id! })).rejects.toThrow();
  });
});
