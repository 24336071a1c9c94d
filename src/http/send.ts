import type { Response } from 'express';
import type { Config } from '../config';
import type { CookieSpec } from './handler';

export function cookieOptions(config: Config, spec: CookieSpec) {
  return {
    httpOnly: spec.httpOnly ?? true,
    sameSite: spec.sameSite ?? ('lax' as const),
    secure: config.issuer.startsWith('https:'),
    domain: config.cookieDomain,
    path: spec.path ?? '/',
    ...(spec.maxAge !== undefined ? { maxAge: spec.maxAge * 1000 } : {}),
  };
}

export interface Outgoing {
  status: number;
  body?: unknown;
  html?: string;
  redirect?: string;
  headers?: Record<string, string>;
  cookies?: CookieSpec[];
}

export function send(res: Response, config: Config, out: Outgoing): void {
  if (out.headers) res.set(out.headers);
  for (const c of out.cookies ?? []) {
    if (c.maxAge === 0) res.clearCookie(c.name, { ...cookieOptions(config, c), maxAge: undefined });
    else res.cookie(c.name, c.value, cookieOptions(config, c));
  }
  if (out.redirect !== undefined) {
    res.redirect(out.status, out.redirect);
  } else if (out.html !== undefined) {
    if (!res.get('Content-Type')) res.type('html');
    res.status(out.status).send(out.html);
  } else if (out.body === undefined) {
    res.status(out.status).end();
  } else {
    res.status(out.status).json(out.body);
  }
}
