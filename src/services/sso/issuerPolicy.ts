import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import type { Config } from '../../config';
import { badRequest } from '../../http/errors';

/**
 * Which SSO upstream issuers the server may contact. Any self-registered user administers a personal
 * tenant and can configure SSO, so without this guard the server would fetch URLs of the tenant
 * admin's choosing inside its own network (SSRF, OWASP ASVS V12.6.1).
 */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3],
] as const) PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) PRIVATE.addSubnet(net, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  const family = isIP(address);
  return family === 4 ? PRIVATE.check(address, 'ipv4') : family === 6 ? PRIVATE.check(address, 'ipv6') : true;
}

const refused = (message: string) => badRequest(message, 'oidcIssuer');
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');
const isLoopbackName = (host: string) => host === 'localhost' || host.endsWith('.localhost');

/** The static part, checked when the issuer is configured: scheme and literal addresses. */
export function assertIssuerAllowed(config: Config, url: URL, label = 'oidcIssuer'): void {
  const host = hostOf(url);
  const privateHost = isLoopbackName(host) || (isIP(host) !== 0 && isPrivateAddress(host));
  if (privateHost && !config.ssoAllowPrivateIssuers) throw refused(`${label} must be a public host`);
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && (config.ssoAllowInsecure || (privateHost && config.ssoAllowPrivateIssuers))) return;
  throw refused(`${label} must use https (http is allowed only for loopback development hosts)`);
}

/** The dynamic part, checked before every discovery: the name must not resolve to a private address. */
export type Resolve = (host: string) => Promise<string[]>;
const resolveAll: Resolve = async (host) => (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);

export async function assertIssuerResolvesPublic(config: Config, url: URL, resolve: Resolve = resolveAll, label = 'oidcIssuer'): Promise<void> {
  assertIssuerAllowed(config, url, label);
  if (config.ssoAllowPrivateIssuers) return;
  const host = hostOf(url);
  const addresses = isIP(host) ? [host] : await resolve(host);
  if (addresses.some(isPrivateAddress)) throw refused(`${label} must be a public host`);
}

/**
 * The endpoints the server itself calls, as the discovery document names them: a public issuer
 * could otherwise point `token_endpoint` or `jwks_uri` into this server's network.
 */
export async function assertDiscoveredEndpointsPublic(
  config: Config,
  metadata: { token_endpoint?: string; jwks_uri?: string },
  resolve: Resolve = resolveAll,
): Promise<void> {
  for (const name of ['token_endpoint', 'jwks_uri'] as const) {
    const endpoint = metadata[name];
    if (endpoint) await assertIssuerResolvesPublic(config, new URL(endpoint), resolve, `the issuer's ${name}`);
  }
}
