/**
 * `s3repl failover NAME --to REGION [--force] [--since 15m]` and
 * `s3repl failover NAME --status`: move a Multi-Region Access Point's traffic
 * to one Region (active/passive), after checking that replication into it has
 * caught up; or show which Regions are active and the replication lag into
 * each. Exit 0 done (or shown), 1 on error or refusal.
 */
import type { Argv } from 'yargs';
import { accessPointConfig, failover, readAccessPoint, readBacklog, recordFailover } from '../../failover/index.js';
import { accessPointRoutesAddress } from '../../resources/operations.js';
import { StateSession } from '../../state/session.js';
import { parseDuration } from '../duration.js';
import type { GlobalArgs } from '../common.js';
import { openWorkspace } from '../workspace.js';
import { parseSince } from '../../health/status.js';
import { debugCalls } from './plan.js';
import type { CommandModule } from './types.js';

interface FailoverArgs extends GlobalArgs {
  name: string;
  to?: string;
  status: boolean;
  force: boolean;
  since: string;
  format: 'text' | 'json';
  'lock-timeout': string;
}

export const failoverCommand: CommandModule = {
  command: 'failover <name>',
  describe: "Move a Multi-Region Access Point's traffic to one Region (active/passive), or show its routing with --status",
  builder: (y: Argv) =>
    y
      .positional('name', { type: 'string', describe: 'Key under multiRegionAccessPoints:' })
      .option('to', { type: 'string', describe: 'The Region to make active; every other member Region becomes passive' })
      .option('status', { type: 'boolean', default: false, describe: 'Show the active and passive Regions and the replication lag into each; change nothing' })
      .option('force', { type: 'boolean', default: false, describe: 'Fail over even when replication into the new active Region has not caught up' })
      .option('since', { type: 'string', default: '15m', describe: 'Window of the replication metrics checked (30m, 1h, or an ISO 8601 time)' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, json for scripts' })
      .option('lock-timeout', { type: 'string', default: '30s', describe: 'How long to wait for the state lock to record the failover' })
      .check((a) => {
        if (!a.status && !a.to) throw new Error('give --to REGION to fail over, or --status to look');
        if (a.status && a.to) throw new Error('--status and --to do not go together');
        return true;
      })
      .example('$0 failover media --status', 'Which Regions take traffic, and the replication lag into each')
      .example('$0 failover media --to eu-west-1', 'Make eu-west-1 the only active Region')
      .epilogue(
        'Before changing anything, failover checks the rules that replicate into the new active Region: each other member must ' +
          'replicate into it with metrics on, with no BytesPendingReplication and ReplicationLatency within 15 minutes over --since; ' +
          'otherwise it refuses (exit 1) unless --force. Routes are submitted to the failover-control endpoints (us-east-1, us-west-2, ' +
          'ap-southeast-2, ap-northeast-1, eu-west-1, tried in turn) and failover waits until they read back. The configuration is not ' +
          'changed: drift shows the new routing until routes.active in replication.yaml follows (the next apply would restore it). ' +
          'See docs/multi-region-access-points.md.',
      ),
  async run(raw) {
    const argv = raw as unknown as FailoverArgs;
    const ws = await openWorkspace(argv);
    const { o } = ws;
    try {
      const accountId = await ws.aws.accountId();
      const end = new Date();
      const start = parseSince(argv.since, end);
      const log = (m: string) => o.err(o.c.dim(m));
      if (argv.status) {
        const ap = accessPointConfig(ws.config, argv.name);
        const state = await readAccessPoint(ws.aws, accountId, ws.config, argv.name, log);
        const lag = await readBacklog(ws.aws, ws.config, ap, start, end);
        if (argv.format === 'json') {
          o.out(JSON.stringify({ name: state.name, alias: state.alias, arn: state.arn, routes: state.routes, lag }, null, 2));
        } else {
          o.out(`Multi-Region Access Point ${state.name} (${state.alias})`);
          for (const r of state.routes) o.out(`  ${r.region.padEnd(16)} ${r.bucket.padEnd(40)} ${r.percent === 100 ? o.c.green('active') : r.percent === 0 ? o.c.dim('passive') : `${r.percent}%`}`);
          if (lag.length) o.out(`Replication between members (since ${start.toISOString()}):`);
          for (const l of lag) {
            if (!l.enabled || !l.metrics) {
              o.out(`  ${l.source} → ${l.destination}: ${l.enabled ? 'no replication metrics' : 'rule disabled'}`);
              continue;
            }
            const pending = l.pendingBytes === null ? 'no pending-bytes data' : `${l.pendingBytes} bytes pending`;
            const latency = l.latencySeconds === null ? 'no latency data' : `latency up to ${l.latencySeconds} s`;
            o.out(`  ${l.source} → ${l.destination}: ${pending}, ${latency}`);
          }
        }
        debugCalls(ws);
        return 0;
      }
      const to = argv.to!;
      const result = await failover({ aws: ws.aws, accountId, config: ws.config, name: argv.name, to, force: argv.force, start, end, log });
      let recorded = false;
      if (result.updates.length > 0) {
        const session = await StateSession.open(ws.backend, { lock: { operation: 'failover', timeoutMs: parseDuration(argv['lock-timeout'], '--lock-timeout') } });
        try {
          recorded = recordFailover(session, argv.name, { at: new Date().toISOString(), to, activeBefore: result.before.routes.filter((r) => r.percent > 0).map((r) => r.region) });
          if (recorded) await session.persist();
        } finally {
          await session.close();
        }
      }
      if (!result.readiness.ok) o.err(`${o.c.yellow('Warning:')} failing over despite (--force):\n  ${result.readiness.problems.join('\n  ')}`);
      if (argv.format === 'json') {
        o.out(JSON.stringify({ name: argv.name, to, changed: result.updates, routes: result.after, checked: result.readiness.checked, problems: result.readiness.problems, recorded }, null, 2));
      } else {
        for (const line of result.readiness.checked) o.out(`checked ${line}`);
        if (result.updates.length === 0) o.out(`${to} is already the only active Region of ${argv.name}: nothing to change`);
        else {
          for (const u of result.updates) o.out(`  ${u.region.padEnd(16)} ${u.bucket.padEnd(40)} ${u.percent === 100 ? 'passive → active' : 'active → passive'}`);
          o.out(`${argv.name} now sends its traffic to ${to} (the routes read back).`);
          o.out(recorded ? `Recorded in state as lastFailover of ${accessPointRoutesAddress(argv.name)} (s3repl state show).` : 'Not recorded in state: replication.yaml does not manage its routing (no routes:).');
          const declared = ws.config.multiRegionAccessPoints[argv.name]?.routes;
          if (declared && (declared.active.length !== 1 || declared.active[0] !== to)) {
            o.out(`replication.yaml still says routes.active: [${declared.active.join(', ')}]: set it to [${to}], or the next apply restores the old routing.`);
          }
        }
      }
      debugCalls(ws);
      return 0;
    } finally {
      ws.aws.destroy();
    }
  },
};
