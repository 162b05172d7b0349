import { ADMIN_ROUTES } from './admin.ts';

/** docs/admin-api.md, made from the admin route table so the reference cannot drift from the code. */
export function renderAdminApiReference(): string {
  const cell = (text: string): string => (text === '' ? '' : text.replaceAll('|', '\\|'));
  return [
    '# Admin API reference',
    '',
    'Generated from the route table in `src/server/route./admin.ts` by',
    '`node src/server/routes/admin-api-reference.ts > docs/admin-api.md`; `src/server/routes/admin-api-reference.test.ts`',
    'fails when it is stale. docs/gateway.md says how the API authenticates, validates and answers errors.',
    '',
    'Every call needs `Authorization: Bearer <admin key>`; bodies are JSON. Changes are audited with the admin key as',
    'the actor (`key:<id>`), and running gateways pick them up at once (this server) or within a second (the others).',
    '',
    '| call | body / query | answer |',
    '|---|---|---|',
    ...ADMIN_ROUTES.map((route) => `| \`${route.method} ${route.path}\` | ${cell(route.input)} | ${cell(route.answer)} |`),
    '',
  ].join('\n');
}

if (import.meta.main) process.stdout.write(renderAdminApiReference());
