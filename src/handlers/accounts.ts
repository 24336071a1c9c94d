import type { Handlers } from '../http/handler';
import { REGISTER_MESSAGE, register } from '../services/registration';
import { loginRedirect, verifyEmail } from '../services/verification';

export const accountHandlers = {
  registerAccount: async ({ deps, body, ip }) => {
    await register(deps, body, ip);
    return { status: 200, body: { message: REGISTER_MESSAGE } };
  },
  verifyAccountEmail: async ({ deps, query }) => {
    const outcome = await verifyEmail(deps, query.token, query.email);
    return { status: 302, redirect: loginRedirect(outcome) };
  },
} satisfies Partial<Handlers>;
