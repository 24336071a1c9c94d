import { createHash, createHmac, pbkdf2 as pbkdf2Callback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import type { SetUserPasswordData } from '../../../generated/client';
import type { Deps } from '../../deps';
import type { PasswordCredential } from '../../store/repositories/managedUsers';
import { normalizePassword, type PasswordCheck } from '../passwords';
import { endUserAccess } from './users';
import { userByPublicId } from './lookups';

const pbkdf2 = promisify(pbkdf2Callback);

/**
 * Password hashes imported from another system (seed 002's `PUT /api/v1/users/{user_id}/password`).
 * The hash is stored as given, marked in the credential's `meta` with its method, and checked with
 * that method until the user's first successful sign-in, which replaces it with an argon2id hash of
 * the (NFKC-normalised) password. The spec bounds every method's cost (bcrypt cost ≤ 13, SHA-crypt
 * ≤ 99999 rounds, phpass ≤ 2^16, PBKDF2 ≤ 600000 iterations), so no imported hash makes a sign-in
 * attempt expensive.
 */
export type ImportMethod = 'bcrypt' | 'crypt' | 'md5' | 'sha256' | 'wordpress' | 'pbkdf2';

export interface ImportedHash {
  method: ImportMethod;
  salt?: string;
  salt_position?: 'prefix' | 'suffix';
  iterations?: number;
  variant?: string;
}

/** The import marking of a password credential, or undefined for Keyhaven's own argon2id hashes. */
export function importedHashOf(meta: string | null): ImportedHash | undefined {
  if (!meta) return undefined;
  try {
    const parsed = JSON.parse(meta) as { import?: ImportedHash };
    return parsed.import;
  } catch {
    return undefined;
  }
}

/**
 * Sets the user's password: a clear one hashed with argon2id, or an imported hash kept with its method.
 * Either way their sessions and tokens end (the factor was replaced).
 */
export async function setUserPassword(deps: Deps, publicId: string, input: SetUserPasswordData['body']): Promise<void> {
  const user = await userByPublicId(deps.repos, publicId);
  const stored = input.password !== undefined ? { secret: await deps.passwords.hash(input.password), meta: null } : importedCredential(input);
  const now = deps.clock();
  await deps.tx(async (repos) => {
    await repos.managedUsers.setImportedPassword(user.id, stored.secret, stored.meta, now);
    await repos.managedUsers.update(user.id, { password_reset_requested: input.is_temporary_password ? 1 : 0, updated_at: now });
    await endUserAccess(deps, repos, user.id, now);
  });
}

/** An imported hash as the credential stores it: the hash, and its method in `meta`. */
function importedCredential(input: SetUserPasswordData['body']): { secret: string; meta: string } {
  const method = input.hashing_method ?? 'bcrypt';
  const meta: ImportedHash = {
    method,
    ...(input.salt !== undefined ? { salt: input.salt } : {}),
    ...(input.salt_position !== undefined ? { salt_position: input.salt_position } : {}),
    ...(input.iterations !== undefined ? { iterations: input.iterations } : {}),
    ...(input.variant !== undefined ? { variant: input.variant } : {}),
  };
  // Hex digests compare in lower case.
  const hash = input.hashed_password!;
  return { secret: method === 'md5' || method === 'sha256' ? hash.toLowerCase() : hash, meta: JSON.stringify({ import: meta }) };
}

/**
 * Checks a password against the user's credential: Keyhaven's argon2id hash through the hasher, an
 * imported one with its method (the raw input first, as the other system saw it, then its NFKC form).
 * A match of an imported hash comes with `rehash`, the argon2id hash to store instead. A mismatch
 * also spends one argon2id verification, so an imported account answers no faster than any other.
 */
export async function checkPassword(deps: Deps, credential: PasswordCredential, password: string): Promise<PasswordCheck> {
  const imported = importedHashOf(credential.meta);
  if (!imported) return deps.passwords.verify(credential.secret, password);
  const normalized = normalizePassword(password);
  const ok =
    (await matchesImported(imported, credential.secret, password)) ||
    (normalized !== password && (await matchesImported(imported, credential.secret, normalized)));
  if (!ok) {
    await deps.passwords.verifyDummy(password);
    return { ok: false };
  }
  return { ok: true, rehash: await deps.passwords.hash(password) };
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const digestOf = (hash: string) => hash.slice(hash.lastIndexOf('$') + 1);
const isBcrypt = (hash: string) => /^\$2[aby]\$/.test(hash);
const bcryptMatches = (password: string, hash: string) => bcrypt.compare(password, hash).catch(() => false);

/** Whether `password` is the one `stored` was made from, by the imported method. */
export async function matchesImported(imported: ImportedHash, stored: string, password: string): Promise<boolean> {
  switch (imported.method) {
    case 'bcrypt':
      return isBcrypt(stored) && bcryptMatches(password, stored);
    case 'crypt':
      if (isBcrypt(stored)) return bcryptMatches(password, stored);
      if (stored.startsWith('$1$')) return sameText(md5Crypt(password, stored), stored);
      // The digest decides: its parameters (rounds, salt) were read from the stored value itself.
      if (stored.startsWith('$5$') || stored.startsWith('$6$')) return sameText(digestOf(shaCrypt(password, stored)), digestOf(stored));
      return false;
    case 'md5':
    case 'sha256': {
      const salt = imported.salt ?? '';
      const input = imported.salt_position === 'suffix' ? password + salt : salt + password;
      return sameText(createHash(imported.method).update(input, 'utf8').digest('hex'), stored.toLowerCase());
    }
    case 'wordpress': {
      // WordPress hashes and checks the password with PHP's trim() applied (wp_hash_password, wp_authenticate).
      const trimmed = password.replace(/^[ \t\n\r\0\x0B]+|[ \t\n\r\0\x0B]+$/g, '');
      if (stored.startsWith('$wp$')) {
        // WordPress 6.8+: bcrypt of the base64 HMAC-SHA-384 of the password (key "wp-sha384").
        const prehashed = createHmac('sha384', 'wp-sha384').update(trimmed, 'utf8').digest('base64');
        return bcryptMatches(prehashed, stored.slice(3));
      }
      if (isBcrypt(stored)) return bcryptMatches(trimmed, stored);
      return sameText(phpass(trimmed, stored), stored);
    }
    case 'pbkdf2': {
      const variant = PBKDF2_VARIANTS[imported.variant ?? ''];
      if (!variant || !imported.salt) return false;
      const expected = Buffer.from(stored, 'base64');
      if (expected.length !== variant.keyLength) return false;
      const derived = await pbkdf2(password, Buffer.from(imported.salt, 'base64'), imported.iterations ?? 24000, variant.keyLength, variant.digest);
      return timingSafeEqual(derived, expected);
    }
  }
}

/** FusionAuth's PBKDF2 variants (the Kinde client names them): digest and key length in bytes. */
const PBKDF2_VARIANTS: Record<string, { digest: string; keyLength: number }> = {
  'salted-pbkdf2-hmac-sha256': { digest: 'sha256', keyLength: 32 },
  'salted-pbkdf2-hmac-sha256-512': { digest: 'sha256', keyLength: 64 },
  'salted-pbkdf2-hmac-sha512-512': { digest: 'sha512', keyLength: 64 },
};

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** crypt(3)'s base-64 of 24-bit groups, least significant 6 bits first. */
function to64(value: number, chars: number): string {
  let out = '';
  for (let v = value; chars > 0; chars--, v >>>= 6) out += ITOA64[v & 0x3f];
  return out;
}

/** phpass portable hashes (`$P$`/`$H$`): 2^n rounds of MD5 over the salt and password. */
export function phpass(password: string, setting: string): string {
  const countLog2 = ITOA64.indexOf(setting[3]);
  if (!/^\$[PH]\$/.test(setting) || countLog2 < 7 || countLog2 > 16) return '*';
  const salt = setting.slice(4, 12);
  if (salt.length !== 8) return '*';
  const pw = Buffer.from(password, 'utf8');
  let hash = createHash('md5').update(Buffer.concat([Buffer.from(salt, 'binary'), pw])).digest();
  for (let count = 1 << countLog2; count > 0; count--) hash = createHash('md5').update(Buffer.concat([hash, pw])).digest();
  let out = '';
  for (let i = 0; i < 16; ) {
    let value = hash[i++];
    out += ITOA64[value & 0x3f];
    if (i < 16) value |= hash[i] << 8;
    out += ITOA64[(value >> 6) & 0x3f];
    if (i++ >= 16) break;
    if (i < 16) value |= hash[i] << 16;
    out += ITOA64[(value >> 12) & 0x3f];
    if (i++ >= 16) break;
    out += ITOA64[(value >> 18) & 0x3f];
  }
  return setting.slice(0, 12) + out;
}

/** MD5-crypt (`$1$salt$hash`, 1000 rounds), as in FreeBSD's crypt(3). */
export function md5Crypt(password: string, setting: string): string {
  const salt = Buffer.from(setting.slice(3).split('$')[0].slice(0, 8), 'binary');
  const pw = Buffer.from(password, 'utf8');
  const magic = Buffer.from('$1$');
  const md5 = (...parts: Buffer[]) => createHash('md5').update(Buffer.concat(parts)).digest();
  const alternate = md5(pw, salt, pw);
  const parts: Buffer[] = [pw, magic, salt];
  for (let left = pw.length; left > 0; left -= 16) parts.push(alternate.subarray(0, Math.min(left, 16)));
  for (let i = pw.length; i > 0; i >>= 1) parts.push(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  let final = md5(...parts);
  for (let i = 0; i < 1000; i++) {
    final = md5(i & 1 ? pw : final, i % 3 ? salt : Buffer.alloc(0), i % 7 ? pw : Buffer.alloc(0), i & 1 ? final : pw);
  }
  const f = final;
  const encoded =
    to64((f[0] << 16) | (f[6] << 8) | f[12], 4) +
    to64((f[1] << 16) | (f[7] << 8) | f[13], 4) +
    to64((f[2] << 16) | (f[8] << 8) | f[14], 4) +
    to64((f[3] << 16) | (f[9] << 8) | f[15], 4) +
    to64((f[4] << 16) | (f[10] << 8) | f[5], 4) +
    to64(f[11], 2);
  return `$1$${salt.toString('binary')}$${encoded}`;
}

// The byte order in which SHA-crypt encodes its digest, three bytes (most significant first) per group.
const SHA256_ORDER = [[0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29]];
const SHA512_ORDER = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10],
  [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];

/** SHA-crypt (`$5$`/`$6$[rounds=N$]salt$hash`), Ulrich Drepper's specification. */
export function shaCrypt(password: string, setting: string): string {
  const m = /^\$([56])\$(?:rounds=([0-9]+)\$)?([^$]{0,16})/.exec(setting);
  if (!m) return '*';
  const algorithm = m[1] === '5' ? 'sha256' : 'sha512';
  const size = algorithm === 'sha256' ? 32 : 64;
  const customRounds = m[2] !== undefined;
  const rounds = customRounds ? Math.min(Math.max(Number(m[2]), 1000), 999_999_999) : 5000;
  const salt = Buffer.from(m[3], 'binary');
  const pw = Buffer.from(password, 'utf8');
  const digest = (...parts: Buffer[]) => createHash(algorithm).update(Buffer.concat(parts)).digest();
  const repeat = (block: Buffer, length: number) => Buffer.concat(Array.from({ length: Math.ceil(length / block.length) }, () => block)).subarray(0, length);

  const b = digest(pw, salt, pw);
  const aParts: Buffer[] = [pw, salt, repeat(b, pw.length)];
  for (let i = pw.length; i > 0; i >>= 1) aParts.push(i & 1 ? b : pw);
  let c = digest(...aParts);
  const p = repeat(digest(...Array.from({ length: pw.length }, () => pw)), pw.length);
  const s = repeat(digest(...Array.from({ length: 16 + c[0] }, () => salt)), salt.length);
  for (let i = 0; i < rounds; i++) {
    const parts: Buffer[] = [i & 1 ? p : c];
    if (i % 3) parts.push(s);
    if (i % 7) parts.push(p);
    parts.push(i & 1 ? c : p);
    c = digest(...parts);
  }
  let encoded = '';
  for (const [x, y, z] of size === 32 ? SHA256_ORDER : SHA512_ORDER) encoded += to64((c[x] << 16) | (c[y] << 8) | c[z], 4);
  encoded += size === 32 ? to64((c[31] << 8) | c[30], 3) : to64(c[63], 2);
  return `$${m[1]}$${customRounds ? `rounds=${rounds}$` : ''}${salt.toString('binary')}$${encoded}`;
}
