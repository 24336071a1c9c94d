import type { Request } from 'express';
import type { OperationId, Operations } from '../../generated/operations';
import type { Deps } from '../deps';
import type { Principal } from './principal';
import { unauthorized } from './errors';

type Data<Op extends OperationId> = Operations[Op]['data'];
type Responses<Op extends OperationId> = Operations[Op]['responses'];

export interface CookieSpec {
  name: string;
  value: string;
  /** Seconds; 0 clears the cookie. */
  maxAge?: number;
  path?: string;
  httpOnly?: boolean;
  sameSite?: 'lax' | 'strict' | 'none';
}

interface Common {
  headers?: Record<string, string>;
  cookies?: CookieSpec[];
}

type BodyResult<S, B> = Common & { status: S } & ([B] extends [string | Blob] ? { html: string } : [B] extends [void | undefined | never] ? { body?: undefined } : { body: B });

export type RedirectResult = Common & { status: 302 | 303; redirect: string };

/** What a handler returns: one of the operation's documented responses, or a redirect. */
export type Result<Op extends OperationId> =
  | { [S in keyof Responses<Op>]: BodyResult<S, Responses<Op>[S]> }[keyof Responses<Op>]
  | RedirectResult;

export interface Ctx<Op extends OperationId> {
  operationId: Op;
  body: NonNullable<Data<Op>['body']>;
  query: NonNullable<Data<Op>['query']>;
  path: NonNullable<Data<Op>['path']>;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  cookies: Record<string, string | undefined>;
  /** Set by the security handlers; null on public operations without credentials. */
  principal: Principal | null;
  ip: string;
  userAgent?: string;
  deps: Deps;
  req: Request;
}

export type Handler<Op extends OperationId> = (ctx: Ctx<Op>) => Promise<Result<Op>> | Result<Op>;

/** Every operation in the spec must have a handler: a missing key fails `tsc`. */
export type Handlers = { [Op in OperationId]: Handler<Op> };

/** The authenticated principal of a protected operation (the security handlers ran already). */
export function principalOf(ctx: { principal: Principal | null }): Principal {
  if (!ctx.principal) throw unauthorized();
  return ctx.principal;
}
