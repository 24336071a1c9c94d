import { getKindeServerSession } from '@kinde-oss/kinde-auth-nextjs/server';
import { LogoutLink } from '@kinde-oss/kinde-auth-nextjs/components';
import BrowserClaims from './BrowserClaims';

export const dynamic = 'force-dynamic';

/** Everything getKindeServerSession reads, as JSON (server component), and the same from the browser client. */
export default async function Claims() {
  const s = getKindeServerSession();
  const server = {
    isAuthenticated: await s.isAuthenticated(),
    user: await s.getUser(),
    organization: await s.getOrganization(),
    userOrganizations: await s.getUserOrganizations(),
    permission: await s.getPermission('create:template'),
    missingPermission: await s.getPermission('delete:everything'),
    permissions: await s.getPermissions(),
    roles: await s.getClaim('roles'),
    rolesHelper: await s.getRoles(),
    email: await s.getClaim('email', 'id_token'),
    flag: await s.getFlag('theme', 'system', 's'),
    booleanFlag: await s.getBooleanFlag('beta', false),
    stringFlag: await s.getStringFlag('theme', 'system'),
    integerFlag: await s.getIntegerFlag('max_projects', 0),
    missingFlag: await s.getBooleanFlag('no_such_flag', false),
    accessToken: await s.getAccessToken(),
    idToken: await s.getIdToken(),
  };
  return (
    <main>
      <h1>Claims</h1>
      <LogoutLink>Sign out</LogoutLink>
      <pre id="server">{JSON.stringify(server)}</pre>
      <BrowserClaims />
    </main>
  );
}
