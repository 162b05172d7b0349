import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderAdminApiReference } from './admin-api-reference.ts';
import { ADMIN_ROUTES, matchAdminRoute } from './admin.ts';

test('docs/admin-api.md is generated from the admin route table and in step with it', () => {
  const docs = readFileSync(new URL('../../../docs/admin-api.md', import.meta.url), 'utf8');
  assert.equal(docs, renderAdminApiReference(), 'regenerate it: node src/server/routes/admin-api-reference.ts > docs/admin-api.md');
});

test('every route in the table is reached by its own method and path, with its parameters decoded', () => {
  for (const route of ADMIN_ROUTES) {
    const path = route.path.replaceAll(/\{(\w+)\}/g, (_, name: string) => `a%20${name}`);
    const found = matchAdminRoute(route.method, path);
    assert.equal(found?.route, route, `${route.method} ${route.path}`);
    for (const [name, value] of Object.entries(found?.params ?? {})) assert.equal(value, `a ${name}`);
  }
  assert.equal(matchAdminRoute('PUT', '/admin/teams'), null);
  assert.equal(matchAdminRoute('GET', '/admin/teams/a/b'), null);
  assert.throws(() => matchAdminRoute('GET', '/admin/nothing/%ZZ'), (error: { code?: string }) => error.code === 'invalid_request');
});
