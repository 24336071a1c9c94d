import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB } from '../schema';
import type { MfaChallengesTable, MfaFlow, MfaTotpTable } from '../tables/mfa';

export type MfaTotp = Selectable<MfaTotpTable>;
export type MfaChallenge = Selectable<MfaChallengesTable>;

/** TOTP enrolments, backup codes and sign-in challenges (one aggregate per user). */
export function mfaRepository(db: Kysely<DB>) {
  return {
    async find(userId: number): Promise<MfaTotp | undefined> {
      return db.selectFrom('mfa_totp').selectAll().where('user_id', '=', userId).executeTakeFirst();
    },

    async isEnabled(userId: number): Promise<boolean> {
      const row = await db
        .selectFrom('mfa_totp')
        .select('user_id')
        .where('user_id', '=', userId)
        .where('enabled_at', 'is not', null)
        .executeTakeFirst();
      return Boolean(row);
    },

    /** Stores a pending secret (setup); an active enrolment is left untouched by the caller's check. */
    async setPending(userId: number, sealed: string, now: number): Promise<void> {
      await db
        .insertInto('mfa_totp')
        .values({ user_id: userId, secret_sealed: null, pending_secret_sealed: sealed, enabled_at: null, last_step: null, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ pending_secret_sealed: sealed, updated_at: now }))
        .execute();
    },

    /** Promotes the pending secret and replaces the backup codes, in one transaction. */
    async activate(userId: number, sealed: string, step: number, codeHashes: string[], now: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const res = await trx
          .updateTable('mfa_totp')
          .set({ secret_sealed: sealed, pending_secret_sealed: null, enabled_at: now, last_step: step, updated_at: now })
          .where('user_id', '=', userId)
          .where('enabled_at', 'is', null)
          .where('pending_secret_sealed', '=', sealed)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return false;
        await trx.deleteFrom('mfa_backup_codes').where('user_id', '=', userId).execute();
        await trx
          .insertInto('mfa_backup_codes')
          .values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash, used_at: null, created_at: now })))
          .execute();
        return true;
      });
    },

    /** Records an accepted TOTP step; false when that step (or a later one) was used already (replay). */
    async claimStep(userId: number, step: number, now: number): Promise<boolean> {
      const res = await db
        .updateTable('mfa_totp')
        .set({ last_step: step, updated_at: now })
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    async countUnusedBackupCodes(userId: number): Promise<number> {
      const { n } = await db
        .selectFrom('mfa_backup_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(n);
    },

    /** Marks an unused backup code used; false when there is no such unused code. */
    async useBackupCode(userId: number, codeHash: string, now: number): Promise<boolean> {
      const res = await db
        .updateTable('mfa_backup_codes')
        .set({ used_at: now })
        .where('user_id', '=', userId)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    async remove(userId: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('mfa_backup_codes').where('user_id', '=', userId).execute();
        await trx.deleteFrom('mfa_challenges').where('user_id', '=', userId).execute();
        await trx.deleteFrom('mfa_totp').where('user_id', '=', userId).execute();
      });
    },

    async insertChallenge(c: Omit<MfaChallenge, 'attempts' | 'used_at'>): Promise<void> {
      await db.insertInto('mfa_challenges').values({ ...c, used_at: null }).execute();
    },

    /** A live challenge: not used, not expired, attempts below `maxAttempts`. */
    async findLiveChallenge(tokenHash: string, now: number, maxAttempts: number): Promise<MfaChallenge | undefined> {
      return db
        .selectFrom('mfa_challenges')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .where('attempts', '<', maxAttempts)
        .executeTakeFirst();
    },

    async countChallengeAttempt(id: string): Promise<void> {
      await db.updateTable('mfa_challenges').set({ attempts: sql`attempts + 1` }).where('id', '=', id).execute();
    },

    /** Single use: false when another request consumed it first. */
    async consumeChallenge(id: string, now: number): Promise<boolean> {
      const res = await db.updateTable('mfa_challenges').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    /** Housekeeping: up to `limit` challenges expired by `before`. */
    async deleteExpiredChallenges(before: number, limit: number): Promise<number> {
      const r = await db
        .deleteFrom('mfa_challenges')
        .where('id', 'in', (eb) => eb.selectFrom('mfa_challenges').select('id').where('expires_at', '<=', before).limit(limit))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    /** Step-up: the session now also carries the second factor (sessions.amr is a JSON array). */
    async addSessionAmr(sessionId: string, method: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('sessions').select('amr').where('id', '=', sessionId).executeTakeFirst();
        if (!row) return;
        const amr = JSON.parse(row.amr) as string[];
        if (!amr.includes(method)) await trx.updateTable('sessions').set({ amr: JSON.stringify([...amr, method]) }).where('id', '=', sessionId).execute();
      });
    },
  };
}
export type MfaRepository = ReturnType<typeof mfaRepository>;
export type { MfaFlow };
