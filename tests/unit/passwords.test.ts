import { describe, expect, it } from 'vitest';
import argon2 from 'argon2';
import { createPasswordHasher, normalizePassword } from '../../src/services/passwords';

const cheap = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const hasher = createPasswordHasher(cheap);
const composed = 'caf\u00e9-secret'; // "café" with é as one code point (NFC)
const decomposed = 'cafe\u0301-secret'; // e + combining acute (NFD)

describe('password normalisation (NIST SP 800-63B §5.1.1.2: NFKC)', () => {
  it('normalises with NFKC', () => {
    expect(normalizePassword(decomposed)).toBe(composed);
    expect(normalizePassword('\uff50\uff41\uff53\uff53')).toBe('pass'); // full-width letters
    expect(normalizePassword('\ufb01ne')).toBe('fine'); // the "ﬁ" ligature
  });

  it('a password typed composed verifies when typed decomposed, and the other way round', async () => {
    const h1 = await hasher.hash(composed);
    expect(await hasher.verify(h1, decomposed)).toEqual({ ok: true });
    const h2 = await hasher.hash(decomposed);
    expect(await hasher.verify(h2, composed)).toEqual({ ok: true });
    expect(await argon2.verify(h2, composed)).toBe(true); // stored from the normalised form
  });

  it('a wrong password fails', async () => {
    expect(await hasher.verify(await hasher.hash(composed), 'cafe-secret')).toEqual({ ok: false });
  });

  it('a hash stored before normalisation still verifies the raw input and is upgraded to the normalised form', async () => {
    const legacy = await argon2.hash(decomposed, { type: argon2.argon2id, ...cheap });
    const check = await hasher.verify(legacy, decomposed);
    expect(check.ok).toBe(true);
    expect(check.rehash).toMatch(/^\$argon2id\$/);
    // The new hash is of the normalised form: either spelling now verifies, with no further upgrade.
    expect(await hasher.verify(check.rehash!, composed)).toEqual({ ok: true });
    expect(await hasher.verify(check.rehash!, decomposed)).toEqual({ ok: true });
    // A legacy hash of an already-normalised password needs no upgrade and no second verification.
    expect(await hasher.verify(await argon2.hash(composed, { type: argon2.argon2id, ...cheap }), composed)).toEqual({ ok: true });
  });

  it('a malformed stored hash is a failure, not an exception', async () => {
    expect(await hasher.verify('not-a-hash', composed)).toEqual({ ok: false });
  });
});
