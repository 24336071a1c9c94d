import { getKindeServerSession } from '@kinde-oss/kinde-auth-nextjs/server';
import { CreateOrgLink, LoginLink, LogoutLink, RegisterLink } from '@kinde-oss/kinde-auth-nextjs/components';

export const dynamic = 'force-dynamic';

/** Home: the SDK's links; `?org=CODE` signs into that organization (LoginLink orgCode), CreateOrgLink makes one. */
export default async function Home({ searchParams }) {
  const { org } = await searchParams;
  const signedIn = await getKindeServerSession().isAuthenticated();
  return (
    <main>
      <h1>Home</h1>
      <p id="status">{signedIn ? 'signed in' : 'signed out'}</p>
      <nav>
        <LoginLink orgCode={org}>Sign in</LoginLink> <RegisterLink>Sign up</RegisterLink> <LogoutLink>Sign out</LogoutLink>{' '}
        <CreateOrgLink orgName="Hurlstone">Create organization</CreateOrgLink>
      </nav>
    </main>
  );
}
