/**
 * The `yaml` package, loaded on first use. Its parser keeps a source position for
 * every node, which diagnostics need (file:line:column), but it is about 70
 * modules to load and several times slower than reading the value alone: a
 * valid configuration is read by the fast path in load.ts, and this is loaded
 * only when a position must be reported or the fast path declines the text.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let lib: typeof Yaml | undefined;

export function yamlLib(): typeof Yaml {
  return (lib ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
}
