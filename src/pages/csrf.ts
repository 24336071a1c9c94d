import { createHmac } from 'node:crypto';
import type { CookieSpec } from '../http/handler';
import { randomToken, safeEqual } from '../services/crypto';

/**
 * CSRF synchronizer tokens for the hosted forms. Each browser gets a random `kendr_csrf` cookie
 * (HttpOnly, SameSite=Lax); a form's token is HMAC(cookie, form name), so it is bound to that browser
 * and that form, and a page on another site can neither read nor compute it.
 */
export const CSRF_COOKIE = 'kendr_csrf';
const COOKIE_FORMAT = /^[A-Za-z0-9_-]{43}$/;
const MAX_AGE_SECONDS = 12 * 3600;

export type FormName = 'login' | 'login-mfa' | 'register' | 'consent' | 'device' | 'logout' | 'account-sessions' | 'organization';

export interface Csrf {
  /** The token to embed in the form. */
  token: string;
  /** Set when the browser had no valid cookie yet. */
  cookie?: CookieSpec;
}

const tokenFor = (secret: string, form: FormName) => createHmac('sha256', secret).update(`keyhaven-form:${form}`).digest('base64url');

export function issueCsrf(cookies: Record<string, string | undefined>, form: FormName): Csrf {
  const existing = cookies[CSRF_COOKIE];
  if (existing && COOKIE_FORMAT.test(existing)) return { token: tokenFor(existing, form) };
  const secret = randomToken();
  return {
    token: tokenFor(secret, form),
    cookie: { name: CSRF_COOKIE, value: secret, maxAge: MAX_AGE_SECONDS, httpOnly: true, sameSite: 'lax' },
  };
}

/** Tokens for a page with several forms, all bound to the same browser secret (one cookie at most). */
export function issueCsrfForms<F extends FormName>(cookies: Record<string, string | undefined>, forms: readonly F[]): { tokens: Record<F, string>; cookie?: CookieSpec } {
  const first = issueCsrf(cookies, forms[0]);
  const secret = first.cookie?.value ?? cookies[CSRF_COOKIE]!;
  const tokens = Object.fromEntries(forms.map((f) => [f, tokenFor(secret, f)])) as Record<F, string>;
  return { tokens, ...(first.cookie ? { cookie: first.cookie } : {}) };
}

/** True when the submitted token belongs to this browser and form, and the request is not cross-origin. */
export function checkCsrf(
  input: { cookies: Record<string, string | undefined>; headers: Record<string, string | undefined>; token: string | undefined },
  form: FormName,
  issuer: string,
): boolean {
  const origin = input.headers.origin;
  if (origin !== undefined && origin !== new URL(issuer).origin) return false;
  if (input.headers['sec-fetch-site'] === 'cross-site') return false;
  const secret = input.cookies[CSRF_COOKIE];
  if (!secret || !COOKIE_FORMAT.test(secret) || !input.token) return false;
  return safeEqual(input.token, tokenFor(secret, form));
}
