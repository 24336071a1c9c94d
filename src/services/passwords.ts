import argon2 from 'argon2';
import type { Config } from '../config';

export type PasswordHasher = {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Burns the same time as verify, for unknown accounts (no user enumeration by timing). */
  verifyDummy(password: string): Promise<void>;
};

export function createPasswordHasher(cfg: Config['argon2']): PasswordHasher {
  const options = { type: argon2.argon2id as 2, ...cfg };
  let dummy: Promise<string> | undefined;
  return {
    hash: (password) => argon2.hash(password, options),
    verify: async (hash, password) => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    },
    verifyDummy: async (password) => {
      dummy ??= argon2.hash('keyhaven-dummy-password', options);
      await argon2.verify(await dummy, password).catch(() => false);
    },
  };
}
