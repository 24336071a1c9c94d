import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { bundle } from '../../scripts/bundle.mjs';
import { operationIds } from '../../generated/operations';

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

/** Fails when openapi/ changed without `make gen` (generated/ is committed). */
describe('generated/ is up to date with openapi/', () => {
  const fresh = bundle() as { json: string; operationsTs: string; operationIds: string[]; doc: { paths: Record<string, Record<string, { operationId?: string }>> } };

  it('generated/openapi.json equals a fresh bundle of openapi/', () => {
    expect(JSON.parse(read('generated/openapi.json'))).toEqual(JSON.parse(fresh.json));
    expect(read('generated/openapi.json')).toBe(fresh.json);
  });

  it('generated/operations.ts lists exactly the operations of the spec', () => {
    const inSpec = Object.values(fresh.doc.paths)
      .flatMap((item) => Object.values(item))
      .map((op) => op?.operationId)
      .filter((id): id is string => typeof id === 'string')
      .sort();
    expect([...operationIds]).toEqual(inSpec);
    expect(read('generated/operations.ts')).toBe(fresh.operationsTs);
  });

  it('the generated client has a function per operation', () => {
    const sdk = read('generated/client/sdk.gen.ts');
    for (const id of operationIds) expect(sdk, id).toMatch(new RegExp(`export const ${id}\\b`));
  });
});
