/**
 * The `# yaml-language-server: $schema=…` reference that `import` and `init`
 * write at the top of a replication.yaml, so editors validate and complete it.
 *
 * It must keep working after the file is committed and opened elsewhere, so it
 * is never a path into wherever this s3repl happens to be installed (a global
 * npm prefix, npx's cache): when s3repl is a dependency of the project the file
 * is in (node_modules/s3repl found from the file's folder, as Node would find
 * it), the path to the schema there; otherwise the schema of this exact
 * version on the npm CDN.
 */
import * as path from 'node:path';
import { schemaFile } from '../config/schema.js';
import { VERSION } from '../version.js';

export const SCHEMA_URL = `https://unpkg.com/s3repl@${VERSION}/schema/replication.schema.json`;

/** The reference for a configuration written to `out`; `schema` is the schema this s3repl validates with. */
export function schemaRef(out: string, schema: string = schemaFile()): string {
  const packageDir = path.dirname(path.dirname(path.resolve(schema)));
  const modules = path.dirname(packageDir);
  if (path.basename(packageDir) === 's3repl' && path.basename(modules) === 'node_modules') {
    const project = path.dirname(modules);
    const from = path.resolve(path.dirname(out));
    const inside = path.relative(project, from);
    if (!inside.startsWith('..') && !path.isAbsolute(inside)) {
      const rel = path.relative(from, schema).split(path.sep).join('/');
      return rel.startsWith('.') ? rel : `./${rel}`;
    }
  }
  return SCHEMA_URL;
}
