/**
 * The contract between the emulator's HTTP core (server.ts: routing, SigV4
 * parsing, fault injection, admin endpoint, persistence) and its service
 * modules (s3, s3control, iam, cloudwatch, sts). Each service module speaks its
 * own wire protocol and formats its own errors.
 */

export type ServiceName = 's3' | 's3control' | 'iam' | 'sts' | 'cloudwatch' | 'kms' | 'sqs';

export interface EmuRequest {
  service: ServiceName;
  method: string;
  /** URL path, percent-decoded, without the query string. */
  path: string;
  /** URL path exactly as received. */
  rawPath: string;
  query: URLSearchParams;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: Buffer;
  /** The account selected by the access key id (a 12-digit key id selects that account), else the default. */
  accountId: string;
  /**
   * The caller's IAM principal: `arn:aws:iam::ACCOUNT:user/emulator`, or the
   * assumed-role session ARN for credentials STS AssumeRole issued.
   */
  principalArn: string;
  /** From the SigV4 credential scope, else us-east-1. */
  region: string;
  accessKeyId: string;
}

export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface Clock {
  /** Milliseconds, like Date.now(). */
  now(): number;
}

export interface ServiceModule {
  handle(req: EmuRequest): Promise<EmuResponse> | EmuResponse;
  /** The service's throttling error in the protocol the request used (S3 SlowDown 503, IAM/CloudWatch Throttling 400). */
  throttled(req: EmuRequest): EmuResponse;
  /** A transient 500 in the protocol the request used. */
  internalError(req: EmuRequest): EmuResponse;
  /** Serialisable state for --persist, and its inverse. */
  snapshot(): unknown;
  restore(snapshot: unknown): void;
}

export interface IamService extends ServiceModule {
  /** True when the role exists and its creation has propagated (IAM eventual consistency). */
  isRoleUsable(roleArn: string): boolean;
  roleExists(roleArn: string): boolean;
  /** The role's inline policy documents, parsed (for the replication engine's permission check). */
  rolePolicyDocuments(roleArn: string): unknown[];
  /** The role's trust policy, parsed; null when the role does not exist. */
  roleTrustPolicy(roleArn: string): unknown | null;
  /** Facts STS needs to issue a session for the role; null when it does not exist. */
  roleFacts(roleArn: string): { roleId: string; name: string; accountId: string; maxSessionDuration: number } | null;
  /** Whether an IAM principal ARN (role, the emulator's user, an assumed-role session) exists. */
  principalExists(arn: string): boolean;
}

export interface MetricDatumInput {
  MetricName: string;
  Dimensions: Array<{ Name: string; Value: string }>;
  Value: number;
  Unit?: string;
  /** ms since epoch; default now. */
  Timestamp?: number;
}

export interface CloudWatchService extends ServiceModule {
  /** Called by the S3 replication engine to publish AWS/S3 replication metrics. */
  putMetricData(accountId: string, region: string, namespace: string, data: MetricDatumInput[]): void;
}

/** Options the IAM module takes from the core (fault settings live in the core). */
export interface IamOptions {
  clock: Clock;
  /** How long a newly created role is not usable by S3 (ms). */
  propagationDelayMs: () => number;
}
