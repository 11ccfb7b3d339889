/**
 * S3 Control Batch Operations for Batch Replication (`/v20180820/jobs`,
 * REST-XML, header x-amz-account-id): CreateJob (S3ReplicateObject only),
 * DescribeJob, ListJobs, UpdateJobStatus, UpdateJobPriority. Jobs step New → Preparing →
 * (Suspended → Ready) → Active → Completing → Complete over short delays and
 * replicate through the same engine as live replication.
 *
 * S3 Control's error messages are not documented; the messages here are
 * unconfirmed, the codes are the model's (BadRequestException, NotFoundException,
 * JobStatusException, IdempotencyException, TooManyRequestsException).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { CloudWatchService, Clock, EmuRequest, EmuResponse, IamService, ServiceModule } from './types.js';
import { child, children, has, isObject, parseXml, S3CONTROL_XMLNS, text, xmlDocument, type XmlNode, type XmlValue } from './xml.js';
import { bucketNameFromArn, newHostId, newRequestId, type Bucket, type ObjectVersion } from './s3-model.js';
import type { S3Service } from './s3.js';
import { policiesAllow, targetsFor } from './replication.js';
import { createMrap, type MrapService } from './mrap.js';

export interface S3ControlOptions {
  clock: Clock;
  s3: S3Service;
  iam: IamService;
  cloudwatch: CloudWatchService;
  stepDelayMs: number;
  /** Step delay of Multi-Region Access Point operations and route changes. */
  mrapStepDelayMs: number;
  onChange: () => void;
}

export interface S3ControlService extends ServiceModule {
  operationName(req: EmuRequest): string;
  settled(): Promise<void>;
  idle(): boolean;
  /** Runs every pending job step now instead of after its delay. */
  runPending(): void;
  stop(): void;
  /** Multi-Region Access Points (mrap.ts). */
  readonly mrap: MrapService;
}

type JobStatus =
  | 'New' | 'Preparing' | 'Suspended' | 'Ready' | 'Active' | 'Pausing' | 'Paused' | 'Completing' | 'Complete'
  | 'Cancelling' | 'Cancelled' | 'Failing' | 'Failed';

const TERMINAL: JobStatus[] = ['Complete', 'Cancelled', 'Failed'];
const REPLICATION_STATUSES = ['NONE', 'FAILED', 'COMPLETED', 'REPLICA'];

interface JobReport {
  Enabled: boolean;
  Bucket?: string;
  Format?: string;
  Prefix?: string;
  ReportScope?: string;
}

/** Key name constraints of a generated manifest: every given list must match (each holds at most one string). */
interface KeyNameConstraint {
  MatchAnyPrefix?: string[];
  MatchAnySuffix?: string[];
  MatchAnySubstring?: string[];
}

interface GeneratorFilter {
  EligibleForReplication?: boolean;
  CreatedAfter?: number;
  CreatedBefore?: number;
  ObjectReplicationStatuses?: string[];
  KeyNameConstraint?: KeyNameConstraint;
}

const KEY_NAME_CONSTRAINTS = ['MatchAnyPrefix', 'MatchAnySuffix', 'MatchAnySubstring'] as const;

interface ManifestGenerator {
  SourceBucket: string;
  EnableManifestOutput: boolean;
  ManifestOutputLocation?: { Bucket: string; ManifestPrefix?: string; ManifestFormat: string };
  Filter?: GeneratorFilter;
}

interface Task {
  bucket: string;
  key: string;
  versionId: string;
  ok?: boolean;
  error?: string;
}

interface Job {
  JobId: string;
  accountId: string;
  region: string;
  token: string;
  fingerprint: string;
  Description?: string;
  Priority: number;
  RoleArn: string;
  ConfirmationRequired: boolean;
  Report: JobReport;
  Manifest?: { Format: string; Fields?: string[]; ObjectArn: string; ETag: string; ObjectVersionId?: string };
  ManifestGenerator?: ManifestGenerator;
  Status: JobStatus;
  StatusUpdateReason?: string;
  FailureReasons: Array<{ FailureCode: string; FailureReason: string }>;
  CreationTime: number;
  TerminationDate?: number;
  activeSince?: number;
  activeSeconds: number;
  tasks: Task[];
  succeeded: number;
  failed: number;
}

interface ControlState {
  jobs: Job[];
}

class ControlError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}
const badRequest = (m: string) => new ControlError(400, 'BadRequestException', m);

const ROLE_ARN = /^arn:[^:]+:iam::\d{12}:role\/.+$/;

const iso = (ms: number) => new Date(ms).toISOString();

function parseBool(v: string | undefined, field: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw badRequest(`Invalid value for ${field}`);
  return v === 'true';
}

function parseTime(v: string | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw badRequest(`Invalid timestamp for ${field}`);
  return t;
}

function memberList(parent: XmlValue | undefined, tag: string): string[] {
  return children(child(parent, tag), 'member').map((m) => (typeof m === 'string' ? m : ''));
}

export function createS3Control(opts: S3ControlOptions): S3ControlService {
  let state: ControlState = { jobs: [] };
  const mrap = createMrap({ clock: opts.clock, s3: opts.s3, stepDelayMs: opts.mrapStepDelayMs, onChange: opts.onChange });
  const timers = new Map<NodeJS.Timeout, () => void>();
  let waiters: Array<() => void> = [];
  const now = () => opts.clock.now();

  const wake = () => {
    if (timers.size > 0) return;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };

  const schedule = (job: Job) => {
    const run = () => {
      if (!timers.delete(t)) return;
      try {
        step(job);
      } finally {
        opts.onChange();
        wake();
      }
    };
    const t = setTimeout(run, opts.stepDelayMs);
    timers.set(t, run);
  };

  const setStatus = (job: Job, s: JobStatus) => {
    if (job.Status === 'Active' && job.activeSince !== undefined) job.activeSeconds += Math.round((now() - job.activeSince) / 1000);
    job.Status = s;
    if (s === 'Active') job.activeSince = now();
    if (TERMINAL.includes(s)) job.TerminationDate = now();
  };

  // ------------------------------------------------------------ lifecycle

  const step = (job: Job): void => {
    switch (job.Status) {
      case 'New':
        setStatus(job, 'Preparing');
        return schedule(job);
      case 'Preparing':
        prepare(job); // may fail the job
        if ((job.Status as JobStatus) !== 'Preparing') return;
        setStatus(job, job.ConfirmationRequired ? 'Suspended' : 'Ready');
        if (!job.ConfirmationRequired) schedule(job);
        return;
      case 'Ready':
        setStatus(job, 'Active');
        return schedule(job);
      case 'Active':
        run(job);
        return schedule(job);
      case 'Completing':
        writeReport(job);
        setStatus(job, 'Complete');
        return;
      case 'Failing':
        writeReport(job);
        setStatus(job, 'Failed');
        return;
      case 'Cancelling':
        setStatus(job, 'Cancelled');
        return;
      default:
        return;
    }
  };

  const fail = (job: Job, code: string, reason: string) => {
    job.FailureReasons.push({ FailureCode: code, FailureReason: reason });
    setStatus(job, 'Failed');
  };

  const eligible = (b: Bucket, v: ObjectVersion, f: GeneratorFilter | undefined): boolean => {
    const hasTargets = b.replication !== undefined && targetsFor(b.replication, v).length > 0;
    if (v.isDeleteMarker && !hasTargets) return false;
    if (f?.EligibleForReplication && !hasTargets) return false;
    if (f?.CreatedAfter !== undefined && v.lastModified <= f.CreatedAfter) return false;
    if (f?.CreatedBefore !== undefined && v.lastModified >= f.CreatedBefore) return false;
    const statuses = f?.ObjectReplicationStatuses;
    if (statuses && statuses.length > 0 && !statuses.includes(v.replicationStatus ?? 'NONE')) return false;
    const k = f?.KeyNameConstraint;
    if (k?.MatchAnyPrefix?.length && !k.MatchAnyPrefix.some((p) => v.key.startsWith(p))) return false;
    if (k?.MatchAnySuffix?.length && !k.MatchAnySuffix.some((p) => v.key.endsWith(p))) return false;
    if (k?.MatchAnySubstring?.length && !k.MatchAnySubstring.some((p) => v.key.includes(p))) return false;
    return true;
  };

  const prepare = (job: Job): void => {
    const buckets = opts.s3.state.buckets;
    if (job.ManifestGenerator) {
      const name = bucketNameFromArn(job.ManifestGenerator.SourceBucket)!;
      const b = buckets[name];
      if (!b) return fail(job, 'NoSuchBucket', `The source bucket ${name} does not exist`);
      for (const key of Object.keys(b.objects).sort()) {
        for (const v of b.objects[key]!) {
          if (eligible(b, v, job.ManifestGenerator.Filter)) job.tasks.push({ bucket: name, key, versionId: v.versionId });
        }
      }
      writeGeneratedManifest(job);
      return;
    }
    const m = job.Manifest!;
    const [, manifestBucket, manifestKey] = /^arn:[^:]+:s3:::([^/]+)\/(.+)$/.exec(m.ObjectArn) ?? [];
    const mb = manifestBucket ? buckets[manifestBucket] : undefined;
    const mv = mb && manifestKey ? (m.ObjectVersionId ? mb.objects[manifestKey]?.find((v) => v.versionId === m.ObjectVersionId) : mb.objects[manifestKey]?.[0]) : undefined;
    if (!mv || mv.isDeleteMarker) return fail(job, 'ManifestNotFound', `Reading the manifest failed: ${m.ObjectArn} does not exist`);
    if (mv.etag.replace(/"/g, '') !== m.ETag.replace(/"/g, '')) return fail(job, 'ManifestETagMismatch', 'The manifest ETag does not match the object');
    const fields = m.Fields ?? ['Bucket', 'Key'];
    for (const line of Buffer.from(mv.body, 'base64').toString('utf8').split(/\r?\n/)) {
      if (line.trim() === '') continue;
      const cols = line.split(',');
      const get = (f: string) => cols[fields.indexOf(f)];
      const bucket = get('Bucket') ?? '';
      const key = decodeURIComponent((get('Key') ?? '').replace(/\+/g, ' '));
      const b = buckets[bucket];
      const versionId = get('VersionId') || b?.objects[key]?.[0]?.versionId || 'null';
      job.tasks.push({ bucket, key, versionId });
    }
  };

  const run = (job: Job): void => {
    const buckets = opts.s3.state.buckets;
    const roleOk = opts.iam.isRoleUsable(job.RoleArn);
    const docs = roleOk ? opts.iam.rolePolicyDocuments(job.RoleArn) : [];
    for (const task of job.tasks) {
      if (task.ok !== undefined) continue;
      const b = buckets[task.bucket];
      const v = b?.objects[task.key]?.find((x) => x.versionId === task.versionId);
      if (!b || !v) {
        task.ok = false;
        task.error = '404,NoSuchKey,The specified key does not exist.';
      } else if (!roleOk || !policiesAllow(docs, 's3:InitiateReplication', `arn:aws:s3:::${b.name}/${v.key}`)) {
        task.ok = false;
        task.error = '403,AccessDenied,Access Denied';
      } else if (opts.s3.engine.replicateNow(b, v) === 'COMPLETED') {
        task.ok = true;
      } else {
        task.ok = false;
        // The report names S3's replication failure reason (e.g. DstPutObjectNotPermitted).
        task.error = `500,${v.failureReason ?? 'ReplicationFailed'},The object could not be replicated to every destination`;
      }
      if (task.ok) job.succeeded++;
      else job.failed++;
    }
    const total = job.tasks.length;
    if (total >= 1000 && job.failed > total / 2) {
      job.FailureReasons.push({ FailureCode: 'TaskFailureThresholdExceeded', FailureReason: 'Job failed: more than 50% of its tasks failed' });
      setStatus(job, 'Failing');
    } else {
      setStatus(job, 'Completing');
    }
  };

  // -------------------------------------------------------------- reports

  const reportBucket = (job: Job, arn: string): Bucket | undefined => {
    const name = bucketNameFromArn(arn);
    const b = name ? opts.s3.state.buckets[name] : undefined;
    return b && b.accountId === job.accountId ? b : undefined;
  };

  const writeGeneratedManifest = (job: Job): void => {
    const g = job.ManifestGenerator;
    if (!g?.EnableManifestOutput || !g.ManifestOutputLocation) return;
    const b = reportBucket(job, g.ManifestOutputLocation.Bucket);
    if (!b) return;
    const prefix = g.ManifestOutputLocation.ManifestPrefix ? `${g.ManifestOutputLocation.ManifestPrefix.replace(/\/$/, '')}/` : '';
    const csv = job.tasks.map((t) => `${t.bucket},${encodeURIComponent(t.key)},${t.versionId}`).join('\n');
    opts.s3.putObjectInternal(b, `${prefix}job-${job.JobId}/manifest.csv`, Buffer.from(csv ? `${csv}\n` : ''), 'text/csv');
  };

  const writeReport = (job: Job): void => {
    const r = job.Report;
    if (!r.Enabled || !r.Bucket) return;
    const b = reportBucket(job, r.Bucket);
    if (!b) {
      job.FailureReasons.push({ FailureCode: 'ReportBucketNotFound', FailureReason: `Writing the completion report failed: ${r.Bucket} is not available` });
      return;
    }
    const prefix = r.Prefix ? `${r.Prefix.replace(/\/$/, '')}/` : '';
    const rows = job.tasks
      .filter((t) => r.ReportScope !== 'FailedTasksOnly' || t.ok === false)
      .map((t) => {
        const [code, name, message] = t.ok ? ['200', '', 'Successful'] : (t.error ?? '500,InternalError,').split(',');
        return [t.bucket, encodeURIComponent(t.key), t.versionId, t.ok ? 'succeeded' : 'failed', name, code, message].join(',');
      });
    const resultKey = `${prefix}job-${job.JobId}/results/${randomBytes(20).toString('hex')}.csv`;
    opts.s3.putObjectInternal(b, resultKey, Buffer.from(rows.length ? `${rows.join('\n')}\n` : ''), 'text/csv');
    const manifest = {
      Format: 'Report_CSV_20180820',
      ReportCreationDate: iso(now()),
      Results: [{ TaskExecutionStatus: r.ReportScope === 'FailedTasksOnly' ? 'failed' : 'all', Bucket: b.name, Key: resultKey }],
      ReportSchema: 'Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage',
    };
    opts.s3.putObjectInternal(b, `${prefix}job-${job.JobId}/manifest.json`, Buffer.from(JSON.stringify(manifest)), 'application/json');
  };

  // -------------------------------------------------------------- parsing

  const parseReport = (v: XmlValue | undefined): JobReport => {
    if (v === undefined) throw badRequest('Report is required');
    const enabled = parseBool(text(v, 'Enabled'), 'Report.Enabled');
    if (enabled === undefined) throw badRequest('Report.Enabled is required');
    const r: JobReport = { Enabled: enabled };
    for (const f of ['Bucket', 'Format', 'Prefix', 'ReportScope'] as const) {
      const t = text(v, f);
      if (t !== undefined) r[f] = t;
    }
    if (r.Format !== undefined && r.Format !== 'Report_CSV_20180820') throw badRequest('Report.Format must be Report_CSV_20180820');
    if (r.ReportScope !== undefined && r.ReportScope !== 'AllTasks' && r.ReportScope !== 'FailedTasksOnly') {
      throw badRequest('Report.ReportScope must be AllTasks or FailedTasksOnly');
    }
    if (r.Enabled) {
      if (!r.Bucket || !r.Format || !r.ReportScope) throw badRequest('An enabled Report requires Bucket, Format and ReportScope');
      if (!bucketNameFromArn(r.Bucket)) throw badRequest('Report.Bucket must be a bucket ARN');
    }
    return r;
  };

  const parseGenerator = (v: XmlValue): ManifestGenerator => {
    const g = child(v, 'S3JobManifestGenerator');
    if (g === undefined || !isObject(g)) throw badRequest('ManifestGenerator requires S3JobManifestGenerator');
    const SourceBucket = text(g, 'SourceBucket');
    if (!SourceBucket || !bucketNameFromArn(SourceBucket)) throw badRequest('S3JobManifestGenerator.SourceBucket must be a bucket ARN');
    const EnableManifestOutput = parseBool(text(g, 'EnableManifestOutput'), 'EnableManifestOutput');
    if (EnableManifestOutput === undefined) throw badRequest('S3JobManifestGenerator.EnableManifestOutput is required');
    const out: ManifestGenerator = { SourceBucket, EnableManifestOutput };
    const loc = child(g, 'ManifestOutputLocation');
    if (loc !== undefined) {
      const Bucket = text(loc, 'Bucket');
      const ManifestFormat = text(loc, 'ManifestFormat');
      if (!Bucket || !bucketNameFromArn(Bucket)) throw badRequest('ManifestOutputLocation.Bucket must be a bucket ARN');
      if (ManifestFormat !== 'S3InventoryReport_CSV_20211130') throw badRequest('ManifestOutputLocation.ManifestFormat must be S3InventoryReport_CSV_20211130');
      out.ManifestOutputLocation = { Bucket, ManifestFormat, ...(text(loc, 'ManifestPrefix') !== undefined ? { ManifestPrefix: text(loc, 'ManifestPrefix') } : {}) };
    }
    if (EnableManifestOutput && !out.ManifestOutputLocation) throw badRequest('ManifestOutputLocation is required when EnableManifestOutput is true');
    const f = child(g, 'Filter');
    if (f !== undefined) {
      const statuses = memberList(f, 'ObjectReplicationStatuses');
      for (const s of statuses) if (!REPLICATION_STATUSES.includes(s)) throw badRequest(`Invalid ObjectReplicationStatuses value: ${s}`);
      // The model: "Each KeyNameConstraint filter accepts an array of strings with a length of 1 string" (error wording unconfirmed).
      const knc = child(f, 'KeyNameConstraint');
      const constraint: KeyNameConstraint = {};
      for (const name of KEY_NAME_CONSTRAINTS) {
        if (!has(knc, name)) continue;
        const values = memberList(knc, name);
        if (values.length !== 1) throw badRequest(`KeyNameConstraint.${name} must contain exactly one string`);
        constraint[name] = values;
      }
      out.Filter = {
        EligibleForReplication: parseBool(text(f, 'EligibleForReplication'), 'EligibleForReplication'),
        CreatedAfter: parseTime(text(f, 'CreatedAfter'), 'CreatedAfter'),
        CreatedBefore: parseTime(text(f, 'CreatedBefore'), 'CreatedBefore'),
        ...(has(f, 'ObjectReplicationStatuses') ? { ObjectReplicationStatuses: statuses } : {}),
        ...(knc !== undefined ? { KeyNameConstraint: constraint } : {}),
      };
    }
    return out;
  };

  const parseManifest = (v: XmlValue): NonNullable<Job['Manifest']> => {
    const spec = child(v, 'Spec');
    const loc = child(v, 'Location');
    const Format = text(spec, 'Format');
    if (Format !== 'S3BatchOperations_CSV_20180820') throw badRequest('Only S3BatchOperations_CSV_20180820 manifests are supported');
    const ObjectArn = text(loc, 'ObjectArn');
    const ETag = text(loc, 'ETag');
    if (!ObjectArn || !ETag) throw badRequest('Manifest.Location requires ObjectArn and ETag');
    const fields = memberList(spec, 'Fields');
    const versionId = text(loc, 'ObjectVersionId');
    return { Format, ObjectArn, ETag, ...(fields.length ? { Fields: fields } : {}), ...(versionId ? { ObjectVersionId: versionId } : {}) };
  };

  // ------------------------------------------------------------ operations

  const checkAccount = (req: EmuRequest): string => {
    const account = req.headers['x-amz-account-id'];
    if (!account || !/^\d{12}$/.test(account)) throw badRequest('The x-amz-account-id header must be a 12-digit account id');
    if (account !== req.accountId) throw new ControlError(403, 'AccessDenied', 'Access Denied');
    return account;
  };

  const createJob = (req: EmuRequest): EmuResponse => {
    const account = checkAccount(req);
    const doc = parseXml(req.body);
    if (!doc || doc.root !== 'CreateJobRequest' || !isObject(doc.value)) {
      throw new ControlError(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    }
    const v = doc.value;
    const op = child(v, 'Operation');
    if (!isObject(op) || Object.keys(op).length !== 1) throw badRequest('Exactly one Operation must be specified');
    if (!has(op, 'S3ReplicateObject')) {
      throw new ControlError(501, 'NotImplemented', `The emulator implements only S3ReplicateObject jobs, not ${Object.keys(op)[0]}`);
    }
    const token = text(v, 'ClientRequestToken');
    if (token === undefined || token.length < 1 || token.length > 64) throw badRequest('ClientRequestToken must be 1 to 64 characters');
    const priorityText = text(v, 'Priority');
    const priority = Number(priorityText);
    if (priorityText === undefined || !/^\d+$/.test(priorityText) || priority > 2147483647) throw badRequest('Priority must be an integer from 0 to 2147483647');
    const role = text(v, 'RoleArn');
    if (!role || !ROLE_ARN.test(role) || role.length > 2048) throw badRequest('RoleArn must be an IAM role ARN');
    const report = parseReport(child(v, 'Report'));
    const hasManifest = has(v, 'Manifest');
    const hasGenerator = has(v, 'ManifestGenerator');
    if (hasManifest === hasGenerator) throw badRequest('Exactly one of Manifest or ManifestGenerator must be specified');
    const generator = hasGenerator ? parseGenerator(child(v, 'ManifestGenerator')!) : undefined;
    const manifest = hasManifest ? parseManifest(child(v, 'Manifest')!) : undefined;
    const description = text(v, 'Description');
    if (description !== undefined && description.length > 256) throw badRequest('Description must be at most 256 characters');
    const confirmation = parseBool(text(v, 'ConfirmationRequired'), 'ConfirmationRequired') ?? false;

    const fingerprint = JSON.stringify({ ...v, ClientRequestToken: undefined });
    const previous = state.jobs.find((j) => j.accountId === account && j.token === token);
    if (previous) {
      if (previous.fingerprint !== fingerprint) throw new ControlError(400, 'IdempotencyException', 'The ClientRequestToken was already used with different parameters');
      return ok('CreateJobResult', [['JobId', previous.JobId]]);
    }
    if (generator) {
      const src = opts.s3.state.buckets[bucketNameFromArn(generator.SourceBucket)!];
      if (!src || src.accountId !== account) throw badRequest(`The source bucket ${generator.SourceBucket} does not exist or is not owned by this account`);
      if (src.region !== req.region) throw badRequest(`The source bucket is in ${src.region}; create the job in that Region`);
      if (!src.replication) throw badRequest('The source bucket does not have a replication configuration'); // unconfirmed wording
    }
    const job: Job = {
      JobId: randomUUID(),
      accountId: account,
      region: req.region,
      token,
      fingerprint,
      ...(description !== undefined ? { Description: description } : {}),
      Priority: priority,
      RoleArn: role,
      ConfirmationRequired: confirmation,
      Report: report,
      ...(manifest ? { Manifest: manifest } : {}),
      ...(generator ? { ManifestGenerator: generator } : {}),
      Status: 'New',
      FailureReasons: [],
      CreationTime: now(),
      activeSeconds: 0,
      tasks: [],
      succeeded: 0,
      failed: 0,
    };
    state.jobs.push(job);
    schedule(job);
    return ok('CreateJobResult', [['JobId', job.JobId]]);
  };

  const findJob = (req: EmuRequest, id: string): Job => {
    const account = checkAccount(req);
    const job = state.jobs.find((j) => j.JobId === id && j.accountId === account && j.region === req.region);
    if (!job) throw new ControlError(404, 'NotFoundException', `The specified job ${id} was not found`);
    return job;
  };

  const progress = (j: Job): XmlNode => [
    'ProgressSummary',
    [
      ['TotalNumberOfTasks', j.tasks.length],
      ['NumberOfTasksSucceeded', j.succeeded],
      ['NumberOfTasksFailed', j.failed],
      ['Timers', [['ElapsedTimeInActiveSeconds', j.activeSeconds]]],
    ],
  ];

  const describeJob = (req: EmuRequest, id: string): EmuResponse => {
    const j = findJob(req, id);
    const g = j.ManifestGenerator;
    return ok('DescribeJobResult', [
      [
        'Job',
        [
          ['JobId', j.JobId],
          ['ConfirmationRequired', j.ConfirmationRequired],
          ['Description', j.Description],
          ['JobArn', `arn:aws:s3:${j.region}:${j.accountId}:job/${j.JobId}`],
          ['Status', j.Status],
          [
            'Manifest',
            j.Manifest
              ? [
                  ['Spec', [['Format', j.Manifest.Format], ['Fields', j.Manifest.Fields?.map((f): XmlNode => ['member', f])]]],
                  ['Location', [['ObjectArn', j.Manifest.ObjectArn], ['ObjectVersionId', j.Manifest.ObjectVersionId], ['ETag', j.Manifest.ETag]]],
                ]
              : undefined,
          ],
          ['Operation', [['S3ReplicateObject', []]]],
          ['Priority', j.Priority],
          progress(j),
          ['StatusUpdateReason', j.StatusUpdateReason],
          [
            'FailureReasons',
            j.FailureReasons.length
              ? j.FailureReasons.map((f): XmlNode => ['member', [['FailureCode', f.FailureCode], ['FailureReason', f.FailureReason]]])
              : undefined,
          ],
          [
            'Report',
            [
              ['Bucket', j.Report.Bucket],
              ['Format', j.Report.Format],
              ['Enabled', j.Report.Enabled],
              ['Prefix', j.Report.Prefix],
              ['ReportScope', j.Report.ReportScope],
            ],
          ],
          ['CreationTime', iso(j.CreationTime)],
          ['TerminationDate', j.TerminationDate !== undefined ? iso(j.TerminationDate) : undefined],
          ['RoleArn', j.RoleArn],
          [
            'ManifestGenerator',
            g
              ? [
                  [
                    'S3JobManifestGenerator',
                    [
                      ['SourceBucket', g.SourceBucket],
                      [
                        'ManifestOutputLocation',
                        g.ManifestOutputLocation
                          ? [
                              ['Bucket', g.ManifestOutputLocation.Bucket],
                              ['ManifestPrefix', g.ManifestOutputLocation.ManifestPrefix],
                              ['ManifestFormat', g.ManifestOutputLocation.ManifestFormat],
                            ]
                          : undefined,
                      ],
                      [
                        'Filter',
                        g.Filter
                          ? [
                              ['EligibleForReplication', g.Filter.EligibleForReplication],
                              ['CreatedAfter', g.Filter.CreatedAfter !== undefined ? iso(g.Filter.CreatedAfter) : undefined],
                              ['CreatedBefore', g.Filter.CreatedBefore !== undefined ? iso(g.Filter.CreatedBefore) : undefined],
                              ['ObjectReplicationStatuses', g.Filter.ObjectReplicationStatuses?.map((s): XmlNode => ['member', s])],
                              [
                                'KeyNameConstraint',
                                g.Filter.KeyNameConstraint
                                  ? KEY_NAME_CONSTRAINTS.map((n): XmlNode => [n, g.Filter!.KeyNameConstraint![n]?.map((s): XmlNode => ['member', s])])
                                  : undefined,
                              ],
                            ]
                          : undefined,
                      ],
                      ['EnableManifestOutput', g.EnableManifestOutput],
                    ],
                  ],
                ]
              : undefined,
          ],
        ],
      ],
    ]);
  };

  const listJobs = (req: EmuRequest): EmuResponse => {
    const account = checkAccount(req);
    const statuses = req.query.getAll('jobStatuses');
    const maxText = req.query.get('maxResults');
    const max = maxText === null ? 1000 : Number(maxText);
    if (!Number.isInteger(max) || max < 0 || max > 1000) throw badRequest('maxResults must be between 0 and 1000');
    const tokenText = req.query.get('nextToken');
    const start = tokenText ? Number(Buffer.from(tokenText, 'base64').toString('utf8')) : 0;
    if (!Number.isInteger(start) || start < 0) throw badRequest('The nextToken is not valid');
    const all = state.jobs
      .filter((j) => j.accountId === account && j.region === req.region && (statuses.length === 0 || statuses.includes(j.Status)))
      .sort((a, b) => b.CreationTime - a.CreationTime);
    const page = all.slice(start, start + max);
    const more = start + max < all.length;
    return ok('ListJobsResult', [
      ['NextToken', more ? Buffer.from(String(start + max)).toString('base64') : undefined],
      [
        'Jobs',
        page.map((j): XmlNode => [
          'member',
          [
            ['JobId', j.JobId],
            ['Description', j.Description],
            ['Operation', 'S3ReplicateObject'],
            ['Priority', j.Priority],
            ['Status', j.Status],
            ['CreationTime', iso(j.CreationTime)],
            ['TerminationDate', j.TerminationDate !== undefined ? iso(j.TerminationDate) : undefined],
            progress(j),
          ],
        ]),
      ],
    ]);
  };

  const updateJobStatus = (req: EmuRequest, id: string): EmuResponse => {
    const j = findJob(req, id);
    const requested = req.query.get('requestedJobStatus');
    const reason = req.query.get('statusUpdateReason') ?? undefined;
    if (requested !== 'Ready' && requested !== 'Cancelled') throw badRequest('requestedJobStatus must be Ready or Cancelled');
    if (reason !== undefined && reason.length > 256) throw badRequest('statusUpdateReason must be at most 256 characters');
    if (requested === 'Ready') {
      if (j.Status !== 'Suspended') throw new ControlError(400, 'JobStatusException', `Job ${id} is in status ${j.Status} and cannot be moved to Ready`);
      setStatus(j, 'Ready');
      schedule(j);
    } else {
      if (TERMINAL.includes(j.Status) || j.Status === 'Cancelling' || j.Status === 'Completing' || j.Status === 'Failing') {
        throw new ControlError(400, 'JobStatusException', `Job ${id} is in status ${j.Status} and cannot be cancelled`);
      }
      setStatus(j, 'Cancelling');
      schedule(j);
    }
    if (reason !== undefined) j.StatusUpdateReason = reason;
    return ok('UpdateJobStatusResult', [['JobId', j.JobId], ['Status', j.Status], ['StatusUpdateReason', j.StatusUpdateReason]]);
  };

  // A job's priority can change while it runs (docs/aws-behaviour.md, "Batch Operations:
  // only the priority of a job changes"); the emulator lets it change in any status (unconfirmed).
  const updateJobPriority = (req: EmuRequest, id: string): EmuResponse => {
    const j = findJob(req, id);
    const text = req.query.get('priority');
    const priority = Number(text);
    if (text === null || !/^\d+$/.test(text) || priority > 2147483647) throw badRequest('priority must be an integer from 0 to 2147483647');
    j.Priority = priority;
    return ok('UpdateJobPriorityResult', [['JobId', j.JobId], ['Priority', j.Priority]]);
  };

  // --------------------------------------------------------------- wiring

  const ok = (root: string, content: XmlNode[]): EmuResponse => ({
    status: 200,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': newRequestId() },
    body: xmlDocument(root, content, S3CONTROL_XMLNS),
  });

  const errorResponse = (e: ControlError): EmuResponse => {
    const requestId = newRequestId();
    const hostId = newHostId();
    return {
      status: e.status,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': hostId },
      body: xmlDocument('ErrorResponse', [
        ['Error', [['Code', e.code], ['Message', e.message]]],
        ['RequestId', requestId],
        ['HostId', hostId],
      ]),
    };
  };

  const route = (req: EmuRequest): { op: string; id?: string } => {
    const p = req.path.replace(/\/$/, '');
    if (p === '/v20180820/jobs') return { op: req.method === 'POST' ? 'CreateJob' : req.method === 'GET' ? 'ListJobs' : 'Unknown' };
    let m = /^\/v20180820\/jobs\/([^/]+)$/.exec(p);
    if (m && req.method === 'GET') return { op: 'DescribeJob', id: m[1]! };
    m = /^\/v20180820\/jobs\/([^/]+)\/status$/.exec(p);
    if (m && req.method === 'POST') return { op: 'UpdateJobStatus', id: m[1]! };
    m = /^\/v20180820\/jobs\/([^/]+)\/priority$/.exec(p);
    if (m && req.method === 'POST') return { op: 'UpdateJobPriority', id: m[1]! };
    return { op: 'Unknown' };
  };

  return {
    mrap,
    operationName: (req) => (mrap.handles(req) ? mrap.operationName(req) : route(req).op),
    handle(req) {
      if (mrap.handles(req)) return mrap.handle(req);
      try {
        const { op, id } = route(req);
        switch (op) {
          case 'CreateJob':
            return createJob(req);
          case 'ListJobs':
            return listJobs(req);
          case 'DescribeJob':
            return describeJob(req, id!);
          case 'UpdateJobStatus':
            return updateJobStatus(req, id!);
          case 'UpdateJobPriority':
            return updateJobPriority(req, id!);
          default:
            throw new ControlError(501, 'NotImplemented', `The emulator does not implement ${req.method} ${req.path}`);
        }
      } catch (e) {
        if (e instanceof ControlError) return errorResponse(e);
        throw e;
      }
    },
    throttled: () => errorResponse(new ControlError(400, 'TooManyRequestsException', 'Too many requests')), // status unconfirmed
    internalError: () => errorResponse(new ControlError(500, 'InternalServiceException', 'We encountered an internal error. Please try again.')),
    snapshot: () => ({ ...state, mrap: mrap.snapshot() }),
    restore(snap) {
      const s = snap as (Partial<ControlState> & { mrap?: unknown }) | null;
      state = { jobs: s?.jobs ?? [] };
      mrap.restore(s?.mrap);
      // Jobs that were in flight resume where they were.
      for (const j of state.jobs) if (!TERMINAL.includes(j.Status) && j.Status !== 'Suspended') schedule(j);
    },
    async settled() {
      while (timers.size > 0 || !mrap.idle()) {
        if (timers.size > 0) await new Promise<void>((resolve) => waiters.push(resolve));
        await mrap.settled();
      }
    },
    idle: () => timers.size === 0 && mrap.idle(),
    runPending() {
      for (const [t, run] of [...timers]) {
        clearTimeout(t);
        run();
      }
      mrap.runPending();
    },
    stop() {
      for (const t of timers.keys()) clearTimeout(t);
      timers.clear();
      wake();
      mrap.stop();
    },
  };
}
