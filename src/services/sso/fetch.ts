import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { CustomFetch } from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { isPrivateAddress } from './issuerPolicy';

type LookupOptions = { all?: boolean; family?: number; hints?: number };
type LookupCallback = (err: NodeJS.ErrnoException | null, address?: string | LookupAddress[], family?: number) => void;
type Resolver = (host: string, options: LookupOptions & { all: true }, cb: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/**
 * The DNS lookup for SSO upstream connections when private issuers are not allowed. The address is
 * checked when the connection is made, not only before, so a name that resolves to a public address
 * for the check and to a private one for the request (DNS rebinding) is refused too. IP literals never
 * reach a lookup; the issuer policy refuses private ones before any request.
 */
export function publicOnlyLookup(resolve: Resolver = dnsLookup) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err);
      if (addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address))) {
        return callback(Object.assign(new Error(`${hostname} resolves to a private address`), { code: 'EPRIVATEADDRESS' }));
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** A fetch for openid-client whose connections resolve names through `lookup`. */
export function fetchVia(lookup: ReturnType<typeof publicOnlyLookup>): CustomFetch {
  const agent = new Agent({ connect: { lookup: lookup as never } });
  return (url, options) => undiciFetch(url, { ...(options as object), dispatcher: agent }) as unknown as Promise<Response>;
}

let shared: CustomFetch | undefined;
export const publicOnlyFetch: CustomFetch = (url, options) => (shared ??= fetchVia(publicOnlyLookup()))(url, options);
