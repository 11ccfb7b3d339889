/**
 * Shows Batch Replication jobs being followed (`retry-failed --wait`,
 * `jobs --wait`) on stderr: a progress bar per job, redrawn in place, when
 * stderr is a terminal; otherwise plain lines, one when a job's status or
 * progress changes and at least one a minute while it runs (CI logs).
 */
import type { JobDetail } from '../health/jobs.js';
import { progressText } from '../render/health.js';
import type { Output } from './output.js';

export interface JobProgress {
  update(jobs: JobDetail[]): void;
  /** Leaves the last frame on screen. */
  done(): void;
}

const BAR_WIDTH = 24;

export function bar(j: Pick<JobDetail, 'succeeded' | 'failed' | 'total'>, width = BAR_WIDTH): string {
  const total = j.total ?? 0;
  if (!total) return `[${'·'.repeat(width)}]`;
  const ok = Math.round((j.succeeded / total) * width);
  const bad = Math.min(width - ok, Math.round((j.failed / total) * width));
  return `[${'#'.repeat(ok)}${'x'.repeat(bad)}${'·'.repeat(width - ok - bad)}]`;
}

function percent(j: Pick<JobDetail, 'succeeded' | 'failed' | 'total'>): string {
  if (!j.total) return '  ?%';
  return `${String(Math.floor(((j.succeeded + j.failed) / j.total) * 100)).padStart(3)}%`;
}

export function jobProgress(o: Output, opts: { tty?: boolean; stream?: NodeJS.WriteStream; now?: () => number; everyMs?: number } = {}): JobProgress {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? Boolean(stream.isTTY && process.env.TERM !== 'dumb');
  const now = opts.now ?? Date.now;
  const everyMs = opts.everyMs ?? 60_000;
  if (tty) {
    let drawn = 0;
    return {
      update(jobs) {
        // Move up over the previous frame and redraw every line.
        let frame = drawn ? `\x1b[${drawn}A` : '';
        for (const j of jobs) {
          const status = j.status === 'Complete' ? o.c.green(j.status) : ['Failed', 'Cancelled'].includes(j.status) ? o.c.red(j.status) : o.c.yellow(j.status);
          frame += `\x1b[2K${j.jobId.slice(0, 8)} ${bar(j)} ${percent(j)} ${progressText(j)} ${status}\n`;
        }
        stream.write(frame);
        drawn = jobs.length;
      },
      done() {
        drawn = 0;
      },
    };
  }
  const last = new Map<string, { text: string; at: number }>();
  return {
    update(jobs) {
      for (const j of jobs) {
        const text = `${j.status}: ${progressText(j)}`;
        const prev = last.get(j.jobId);
        if (prev && prev.text === text && now() - prev.at < everyMs) continue;
        last.set(j.jobId, { text, at: now() });
        o.err(`job ${j.jobId} (${j.region}) ${text}`);
      }
    },
    done() {
      last.clear();
    },
  };
}
