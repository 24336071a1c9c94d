import { exportJWK, generateKeyPair, importJWK, calculateJwkThumbprint, type JWK, type CryptoKey } from 'jose';
import type { Deps } from '../../deps';

const ALG = 'RS256';
const SEAL_CONTEXT = 'signing-key';
/** Keys are re-read from the database this often, so a rotation on another node is picked up. */
const CACHE_MS = 30_000;
/** A retired key stays published for the longest access-token lifetime plus clock skew. */
/** A retired key stays in the JWKS while tokens it signed may still be valid, and five minutes more. */
const retiredGraceMs = (deps: Deps) => (deps.config.accessTokenTtlSeconds + 300) * 1000;

export interface PublicKeyEntry {
  kid: string;
  jwk: JWK;
  key: CryptoKey;
}

interface KeyCache {
  loadedAt: number;
  signing?: { kid: string; key: CryptoKey };
  published: Map<string, PublicKeyEntry>;
}
const caches = new WeakMap<Deps, KeyCache>();

async function newKeyRow(deps: Deps) {
  const { publicKey, privateKey } = await generateKeyPair(ALG, { modulusLength: 2048, extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  const priv = await exportJWK(privateKey);
  return {
    kid,
    alg: ALG,
    public_jwk: JSON.stringify({ ...pub, kid, use: 'sig', alg: ALG }),
    private_sealed: deps.secretBox.seal(JSON.stringify(priv), `${SEAL_CONTEXT}:${kid}`),
    created_at: deps.clock(),
  };
}

/** Start-up: creates the first signing key when there is none. */
export async function ensureSigningKey(deps: Deps): Promise<void> {
  if (await deps.repos.signingKeys.findActive()) return;
  await deps.repos.signingKeys.addActive(await newKeyRow(deps), deps.clock() + retiredGraceMs(deps));
}

/** `keyhaven keys rotate`: a new active key; the previous ones stay in the JWKS until their tokens expired. */
export async function rotateSigningKey(deps: Deps): Promise<string> {
  const row = await newKeyRow(deps);
  await deps.repos.signingKeys.addActive(row, deps.clock() + retiredGraceMs(deps));
  caches.delete(deps);
  return row.kid;
}

async function load(deps: Deps): Promise<KeyCache> {
  const now = deps.clock();
  const cached = caches.get(deps);
  if (cached && now - cached.loadedAt < CACHE_MS) return cached;
  const rows = await deps.repos.signingKeys.listPublished(now);
  const published = new Map<string, PublicKeyEntry>();
  for (const r of rows) {
    const jwk = JSON.parse(r.public_jwk) as JWK;
    published.set(r.kid, { kid: r.kid, jwk, key: (await importJWK(jwk, ALG)) as CryptoKey });
  }
  const active = rows.find((r) => r.retired_at === null);
  const signing = active && {
    kid: active.kid,
    key: (await importJWK(JSON.parse(deps.secretBox.open(active.private_sealed, `${SEAL_CONTEXT}:${active.kid}`)) as JWK, ALG)) as CryptoKey,
  };
  const fresh = { loadedAt: now, signing, published };
  caches.set(deps, fresh);
  return fresh;
}

export async function signingKey(deps: Deps): Promise<{ kid: string; key: CryptoKey }> {
  const { signing } = await load(deps);
  if (!signing) throw new Error('no active signing key');
  return signing;
}

/** A published public key by kid (active or retired but not yet expired). */
export async function verificationKey(deps: Deps, kid: string): Promise<PublicKeyEntry | undefined> {
  const cache = await load(deps);
  const hit = cache.published.get(kid);
  if (hit || deps.clock() - cache.loadedAt < 1000) return hit;
  // An unknown kid may come from a key rotated on another node: reload once.
  caches.delete(deps);
  return (await load(deps)).published.get(kid);
}

export async function jwks(deps: Deps): Promise<{ keys: JWK[] }> {
  const { published } = await load(deps);
  return { keys: [...published.values()].map((k) => k.jwk) };
}
