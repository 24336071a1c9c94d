import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handlers } from '../../src/http/handler';
import { createBackend } from '../../src/http/backend';
import { securityHandlers } from '../../src/http/security';
import { handlers } from '../../src/handlers';
import { startServer, type TestServer } from '../helpers/server';

const { getHealth: _omitted, ...withoutHealth } = handlers;

// Registration is strict at compile time: `make typecheck` fails if this map ever type-checks,
// i.e. if an operation could be left without a handler.
// @ts-expect-error getHealth is missing
const incomplete: Handlers = withoutHealth;

let s: TestServer;
beforeAll(async () => void (s = await startServer()));
afterAll(() => s.close());

describe('handler registration', () => {
  it('start-up refuses a spec operation without a handler, naming it', async () => {
    await expect(createBackend(s.deps, incomplete, securityHandlers(s.deps))).rejects.toThrow('operations without a handler: getHealth');
  });

  it('start-up refuses a security scheme without a security handler', async () => {
    const { oauthBearer: _o, ...partial } = securityHandlers(s.deps);
    await expect(createBackend(s.deps, handlers, partial)).rejects.toThrow('no security handler for scheme oauthBearer');
  });
});
