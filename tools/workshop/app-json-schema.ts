// Checks a step's app.json against the strict app.json schema that Heroku publishes with its MCP server
// package (draft-07), fetched once with `npm pack` and kept in the cache folder.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';

const PACKAGE = '@heroku/mcp-server@1.2.8';
const SCHEMA_IN_PACKAGE = 'package/dist/utils/app-json.schema.json';

/** The schema file, downloaded into `cacheDir` on first use. */
export function herokuAppJsonSchema(cacheDir: string): object {
  const cached = path.join(cacheDir, 'heroku-app-json.schema.json');
  if (!existsSync(cached)) {
    const work = mkdtempSync(path.join(tmpdir(), 'app-json-schema-'));
    try {
      const tarball = execFileSync(
        'npm',
        ['pack', PACKAGE, '--silent', '--pack-destination', work],
        {
          encoding: 'utf8',
        },
      ).trim();
      execFileSync('tar', ['-xzf', path.join(work, tarball), '-C', work, SCHEMA_IN_PACKAGE]);
      mkdirSync(cacheDir, { recursive: true });
      copyFileSync(path.join(work, SCHEMA_IN_PACKAGE), cached);
    } catch (err) {
      throw new Error(
        `could not fetch the app.json schema from ${PACKAGE} (npm pack needs the registry): ${(err as Error).message}`,
        { cause: err },
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return JSON.parse(readFileSync(cached, 'utf8')) as object;
}

/** The schema's complaints about `appJson`, one line each; empty when it is valid. */
export function appJsonProblems(schema: object, appJson: unknown): string[] {
  // Formats such as "uri" are not checked: the schema's structure is what the platform rejects on.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(schema);
  if (validate(appJson)) return [];
  return (validate.errors ?? []).map(
    (e) => `app.json${e.instancePath || ''} ${e.message ?? 'is invalid'}`,
  );
}
