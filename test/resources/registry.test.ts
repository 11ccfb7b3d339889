/**
 * The registry of resource kinds is the one list: the generated kind lists agree
 * with it, no code outside src/resources/ names a kind, and every kind's
 * expansion of every example fills dependsOn with addresses of the same plan.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles, staleFiles } from '../../scripts/gen-kinds.js';
import { loadConfig } from '../../src/config/load.js';
import { desiredResources } from '../../src/engine/desired.js';
import { allKinds, isKindName, kindOf } from '../../src/resources/index.js';
import { KIND_NAMES } from '../../src/resources/kind-names.js';
import { ROLE_GRANTS } from '../../src/resources/grants.generated.js';
import { CONFIG_CHECKS } from '../../src/resources/checks.generated.js';

const root = resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('the registry of resource kinds', () => {
  it('is what KIND_NAMES, the schemas and the docs list (npm run gen writes them)', () => {
    expect(staleFiles()).toEqual([]);
    expect([...KIND_NAMES]).toEqual(allKinds().map((k) => k.kind));
  });

  it('notices a schema or doc whose kind list was edited by hand', () => {
    const copy = mkdtempSync(join(tmpdir(), 's3repl-gen-'));
    for (const f of generatedFiles()) cpSync(join(root, f.path), join(copy, f.path), { recursive: true });
    const schema = join(copy, 'schema/drift.schema.json');
    writeFileSync(schema, readFileSync(schema, 'utf8').replace('"role-policy", ', ''));
    const doc = join(copy, 'docs/plan-format.md');
    writeFileSync(doc, readFileSync(doc, 'utf8').replace(' \\| `alarm` \\|', ' \\|'));
    expect(staleFiles(copy)).toEqual(['schema/drift.schema.json', 'docs/plan-format.md']);
  });

  it("lists each kind's SDK-free parts (role grants, validate checks) as the kind's own members", () => {
    const grants = new Map(ROLE_GRANTS);
    const checks = new Map(CONFIG_CHECKS);
    for (const k of allKinds()) {
      expect(grants.get(k.kind), `${k.kind}.roleGrants`).toBe(k.roleGrants);
      expect(checks.get(k.kind), `${k.kind}.checkConfig`).toBe(k.checkConfig);
    }
    expect(grants.size + checks.size).toBeGreaterThan(0);
  });

  it('holds each kind once, in apply order, and refuses names it does not hold', () => {
    const names = allKinds().map((k) => k.kind);
    expect(new Set(names).size).toBe(names.length);
    const phases = allKinds().map((k) => k.phase);
    expect(phases).toEqual([...phases].sort((a, b) => a - b));
    expect(isKindName('constructor')).toBe(false);
    expect(() => kindOf('constructor' as never)).toThrow('unknown resource kind "constructor"');
  });

  it('is the only place that names a kind: no code outside src/resources compares or builds kind names', () => {
    const names = KIND_NAMES.map((n) => n.replace('-', '\\-')).join('|');
    const comparesKind = new RegExp(`[!=]==?\\s*'(${names})'|case '(${names})':|'(${names})' as KindName`);
    const buildsAddress = new RegExp(`\`(${names})\\.\\$\\{`);
    const offenders: string[] = [];
    for (const f of sourceFiles(join(root, 'src'))) {
      const rel = relative(root, f);
      if (rel.startsWith('src/resources/')) continue;
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (comparesKind.test(line) || buildsAddress.test(line) || line.includes("'role-policy'")) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it('is reached from outside src/resources only through its modules: no code there imports a kind folder', () => {
    const folders = readdirSync(join(root, 'src/resources'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders).toEqual(expect.arrayContaining(['bucket', 'role', 'mrap-routes']));
    const importsFolder = new RegExp(`(from|import)\\s*\\(?\\s*['"][./]*resources/(${folders.join('|')})/`);
    const offenders: string[] = [];
    for (const f of sourceFiles(join(root, 'src'))) {
      const rel = relative(root, f);
      if (rel.startsWith('src/resources/')) continue;
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (importsFolder.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});

describe('kind expansion of every example', () => {
  const files = ['replication.yaml', ...readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)];
  for (const f of files) {
    it(`${f}: each resource is of the kind that made it, and depends only on earlier resources of the same plan`, async () => {
      const config = (await loadConfig(join(root, f))).config!;
      const source = config.buckets[config.replications[0]!.source]!;
      const { resources } = desiredResources(config, { accountId: source.account ?? '111111111111', lineage: 'L' });
      const by = new Map(resources.map((r) => [r.address, r]));
      expect(by.size).toBe(resources.length);
      for (const r of resources) {
        expect(r.address.startsWith(`${r.kind}.`)).toBe(true);
        for (const dep of r.dependsOn) {
          const d = by.get(dep);
          expect(d, `${r.address} depends on ${dep}`).toBeDefined();
          expect(kindOf(d!.kind).phase, `${r.address} depends on ${dep}`).toBeLessThan(kindOf(r.kind).phase);
        }
      }
    });
  }
});
