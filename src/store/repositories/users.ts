import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB } from '../schema';
import type { UsersTable } from '../tables/core';
import { randomBytes } from 'node:crypto';

export type User = Selectable<UsersTable>;

export interface NewUser {
  email: string;
  fullName?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  emailVerified?: boolean;
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Users and their identities and credentials (one aggregate). */
export function userRepository(db: Kysely<DB>) {
  return {
    async findById(id: number): Promise<User | undefined> {
      return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async findByPublicId(publicId: string): Promise<User | undefined> {
      return db.selectFrom('users').selectAll().where('public_id', '=', publicId).executeTakeFirst();
    },
    async findByEmail(email: string): Promise<User | undefined> {
      return db
        .selectFrom('identities')
        .innerJoin('users', 'users.id', 'identities.user_id')
        .selectAll('users')
        .where('identities.type', '=', 'email')
        .where('identities.provider', '=', '')
        .where('identities.value', '=', normalizeEmail(email))
        .executeTakeFirst();
    },
    /** Creates the user, its email identity and (optionally) its password credential in one transaction. */
    async create(input: NewUser, passwordHash: string | null, now: number): Promise<User> {
      return db.transaction().execute(async (trx) => {
        const email = normalizeEmail(input.email);
        const [given, ...rest] = (input.fullName ?? '').trim().split(/\s+/);
        const user = await trx
          .insertInto('users')
          .values({
            public_id: 'kp_' + randomBytes(16).toString('hex'),
            email,
            email_verified: input.emailVerified ? 1 : 0,
            full_name: input.fullName ?? null,
            given_name: input.givenName ?? (given || null),
            family_name: input.familyName ?? (rest.join(' ') || null),
            picture: null,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('identities')
          .values({ user_id: user.id, type: 'email', value: email, verified_at: input.emailVerified ? now : null, created_at: now })
          .execute();
        if (passwordHash) {
          await trx
            .insertInto('credentials')
            .values({ user_id: user.id, type: 'password', secret: passwordHash, meta: null, created_at: now, updated_at: now, used_at: null })
            .execute();
        }
        return user;
      });
    },
    async passwordHash(userId: number): Promise<string | undefined> {
      const row = await db
        .selectFrom('credentials')
        .select('secret')
        .where('user_id', '=', userId)
        .where('type', '=', 'password')
        .executeTakeFirst();
      return row?.secret;
    },
    /** Stores an argon2id hash as the password (clearing an imported hash's marking in `meta`). */
    async setPasswordHash(userId: number, hash: string, now: number): Promise<void> {
      await db
        .insertInto('credentials')
        .values({ user_id: userId, type: 'password', secret: hash, meta: null, created_at: now, updated_at: now, used_at: null })
        // The conflict target is the partial index credentials_one_password: SQLite matches its predicate
        // only when written literally (a bound parameter does not match the index).
        .onConflict((oc) => oc.column('user_id').where('type', '=', sql.lit('password')).doUpdateSet({ secret: hash, meta: null, updated_at: now }))
        .execute();
    },
    async markEmailVerified(userId: number, now: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ email_verified: 1, updated_at: now }).where('id', '=', userId).execute();
        await trx
          .updateTable('identities')
          .set({ verified_at: now })
          .where('user_id', '=', userId)
          .where('type', '=', 'email')
          .execute();
      });
    },
  };
}
export type UserRepository = ReturnType<typeof userRepository>;
