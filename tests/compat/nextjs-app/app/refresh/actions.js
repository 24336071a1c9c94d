'use server';
import { cookies } from 'next/headers';
import { getKindeServerSession } from '@kinde-oss/kinde-auth-nextjs/server';

const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

/** A server action calling the SDK's refreshTokens(); answers the new tokens' claims. */
export async function refresh() {
  const before = (await cookies()).get('refresh_token')?.value ?? null;
  const tokens = await getKindeServerSession().refreshTokens();
  if (!tokens) return { ok: false };
  return {
    ok: true,
    refreshTokenRotated: Boolean(before && tokens.refresh_token && tokens.refresh_token !== before),
    accessToken: claims(tokens.access_token),
    idToken: claims(tokens.id_token),
  };
}
