import { getKindeServerSession } from '@kinde-oss/kinde-auth-nextjs/server';

export const dynamic = 'force-dynamic';

/** Behind withAuth (proxy.js): only signed-in users get here. */
export default async function Protected() {
  const user = await getKindeServerSession().getUser();
  return (
    <main>
      <h1>Protected</h1>
      <p id="who">{user?.email}</p>
    </main>
  );
}
