import { withAuth } from '@kinde-oss/kinde-auth-nextjs/middleware';

/** The SDK's withAuth guards /protected: without a session the browser is sent to sign in, then back. */
export default function proxy(req) {
  return withAuth(req, { isReturnToCurrentPage: true });
}

export const config = { matcher: ['/protected'] };
