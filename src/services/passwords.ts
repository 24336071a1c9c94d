import argon2 from 'argon2';
import type { Config } from '../config';

/**
 * The one form a password is hashed and compared in: Unicode NFKC (NIST SP 800-63B §5.1.1.2), so that
 * "café" typed with a precomposed é or with e + combining accent, or full-width letters, are the same password.
 */
export const normalizePassword = (password: string) => password.normalize('NFKC');

export interface PasswordCheck {
  ok: boolean;
  /** Set when a hash stored before normalisation matched the raw input: the hash of the normalised form, to store instead. */
  rehash?: string;
}

export type PasswordHasher = {
  /** Hashes the normalised password (registration and every change). */
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<PasswordCheck>;
  /** Burns the same time as verify, for unknown accounts (no user enumeration by timing). */
  verifyDummy(password: string): Promise<void>;
};

export function createPasswordHasher(cfg: Config['argon2']): PasswordHasher {
  const options = { type: argon2.argon2id as 2, ...cfg };
  let dummy: Promise<string> | undefined;
  const matches = (hash: string, password: string) => argon2.verify(hash, password).catch(() => false);
  const hash = (password: string) => argon2.hash(normalizePassword(password), options);
  return {
    hash,
    verify: async (stored, password) => {
      const normalized = normalizePassword(password);
      if (await matches(stored, normalized)) return { ok: true };
      // Hashes stored before normalisation were made from the raw input: accept it once more and upgrade.
      if (normalized !== password && (await matches(stored, password))) return { ok: true, rehash: await hash(password) };
      return { ok: false };
    },
    verifyDummy: async (password) => {
      dummy ??= argon2.hash('keyhaven-dummy-password', options);
      // As many verifications as verify makes for a wrong password, so timing tells no account apart.
      const normalized = normalizePassword(password);
      await matches(await dummy, normalized);
      if (normalized !== password) await matches(await dummy, password);
    },
  };
}
