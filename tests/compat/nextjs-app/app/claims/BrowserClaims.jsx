'use client';
import { useKindeBrowserClient } from '@kinde-oss/kinde-auth-nextjs';

/** The same data through useKindeBrowserClient (the SDK's /api/auth/setup, read in the browser). */
export default function BrowserClaims() {
  const k = useKindeBrowserClient();
  if (k.isLoading) return <p id="browser-loading">Loading…</p>;
  const browser = {
    isAuthenticated: k.isAuthenticated,
    error: k.error ?? null,
    user: k.user,
    getUser: k.getUser(),
    organization: k.organization,
    getOrganization: k.getOrganization(),
    userOrganizations: k.userOrganizations,
    getUserOrganizations: k.getUserOrganizations(),
    permission: k.getPermission('create:template'),
    missingPermission: k.getPermission('delete:everything'),
    permissions: k.permissions,
    getPermissions: k.getPermissions(),
    roles: k.getClaim('roles')?.value ?? null,
    flag: k.getFlag('theme', 'system', 's'),
    booleanFlag: k.getBooleanFlag('beta', false),
    stringFlag: k.getStringFlag('theme', 'system'),
    integerFlag: k.getIntegerFlag('max_projects', 0),
    missingFlag: k.getBooleanFlag('no_such_flag', false),
    accessToken: k.accessToken,
    idToken: k.idToken,
  };
  return <pre id="browser">{JSON.stringify(browser)}</pre>;
}
