import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The version of fabrik's code that did a piece of work, as recorded in audit entries. */
export const CODE_VERSION = `fabrik@${packageJson.version}`;
