/**
 * The only place that builds AWS SDK clients. Credentials come from the SDK's
 * default chain (env, shared config/SSO profiles, IMDS); `--profile`,
 * `--region` and `--endpoint-url` / AWS_ENDPOINT_URL(_<SERVICE>) are honoured.
 * Throttling and transient errors are retried by the SDK's standard retry
 * strategy (`maxAttempts`). Every call is counted, for `--debug` and benches,
 * and waits for one of `parallelism` slots (every client this factory makes
 * sends through the limit, so no call can escape it; a slot is held through
 * the call's retries).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { IAMClient } from '@aws-sdk/client-iam';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { fromIni, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import pLimit, { type LimitFunction } from 'p-limit';
import { attachCallContext } from './errors.js';

export interface AwsOptions {
  profile?: string;
  /** Default region for clients that are not tied to a bucket's region. */
  region?: string;
  /** One endpoint for every service (emulator, LocalStack). */
  endpointUrl?: string;
  /** SDK attempts per call, throttling included (default 8). */
  maxAttempts?: number;
  /** Concurrent AWS calls at most (default 16). */
  parallelism?: number;
  /** Environment to read AWS_ENDPOINT_URL* from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * How to reach one account (replication.yaml's `accounts:`): a named profile,
 * or a role assumed with the default credentials (STS AssumeRole, sent to
 * --endpoint-url / AWS_ENDPOINT_URL_STS when set).
 */
export interface AccountAccess {
  profile?: string;
  roleArn?: string;
  externalId?: string;
  /** RoleSessionName (default `s3repl`). */
  sessionName?: string;
}

export const DEFAULT_SESSION_NAME = 's3repl';

/** The SDK's credential shape and provider (declared here: they come from a package we do not depend on directly). */
interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
type AwsCredentialIdentityProvider = () => Promise<AwsCredentialIdentity>;

type ServiceKey = 's3' | 'iam' | 'cloudwatch' | 's3control' | 'sts' | 'kms' | 'sqs';

const ENV_SUFFIX: Record<ServiceKey, string> = {
  s3: 'S3',
  iam: 'IAM',
  cloudwatch: 'CLOUDWATCH',
  s3control: 'S3_CONTROL',
  sts: 'STS',
  kms: 'KMS',
  sqs: 'SQS',
};

const SERVICE_NAME: Record<ServiceKey, string> = {
  s3: 'S3',
  iam: 'IAM',
  cloudwatch: 'CloudWatch',
  s3control: 'S3 Control',
  sts: 'STS',
  kms: 'KMS',
  sqs: 'SQS',
};

export interface CallRecord {
  service: string;
  operation: string;
}

export class AwsClients {
  readonly options: Required<Pick<AwsOptions, 'maxAttempts' | 'parallelism'>> & AwsOptions;
  /** Bounds concurrent AWS calls across every client (see instrument); shared with the clients of other accounts. */
  private readonly limit: LimitFunction;
  readonly calls: Map<string, number> = new Map();
  private readonly cache = new Map<string, unknown>();
  private accountPromise?: Promise<string>;
  /** Credentials for every client of this set; undefined: --profile or the SDK's default chain. */
  private readonly credentials?: AwsCredentialIdentityProvider;
  private readonly accounts = new Map<string, AwsClients>();
  private access = new Map<string, AccountAccess>();

  constructor(options: AwsOptions = {}, shared?: { limit: LimitFunction; calls: Map<string, number>; credentials: AwsCredentialIdentityProvider }) {
    this.options = { maxAttempts: 8, parallelism: 16, ...options };
    this.limit = shared?.limit ?? pLimit(this.options.parallelism);
    if (shared) {
      this.calls = shared.calls;
      this.credentials = shared.credentials;
    }
  }

  /** How to reach each account that replication.yaml's `accounts:` lists (set once the configuration is loaded). */
  setAccountAccess(accounts: Readonly<Record<string, AccountAccess>>): void {
    this.access = new Map(Object.entries(accounts));
  }

  /** Whether `accounts:` says how to reach this account. */
  reaches(accountId: string): boolean {
    return this.access.has(accountId);
  }

  /**
   * The clients for the account a resource belongs to: those `accounts:` gives
   * for it, else these (the default credentials), e.g. for `undefined`.
   */
  in(accountId: string | undefined): AwsClients {
    const access = accountId === undefined ? undefined : this.access.get(accountId);
    return access ? this.forAccount(accountId!, access) : this;
  }

  /**
   * The clients for another account, reached as `access` says. They share this
   * set's concurrency limit and call counts; the assumed role's credentials are
   * fetched once and renewed before they expire. Memoised per account id.
   */
  forAccount(accountId: string, access: AccountAccess): AwsClients {
    let c = this.accounts.get(accountId);
    if (!c) {
      const credentials = access.profile !== undefined ? fromIni({ profile: access.profile }) : this.assumeRole(access);
      c = new AwsClients({ ...this.options, profile: undefined }, { limit: this.limit, calls: this.calls, credentials: renewing(credentials) });
      this.accounts.set(accountId, c);
    }
    return c;
  }

  private assumeRole(access: AccountAccess): AwsCredentialIdentityProvider {
    const endpoint = this.endpointFor('sts');
    return fromTemporaryCredentials({
      params: {
        RoleArn: access.roleArn,
        RoleSessionName: access.sessionName ?? DEFAULT_SESSION_NAME,
        ...(access.externalId !== undefined ? { ExternalId: access.externalId } : {}),
      },
      // The caller's own credentials: this set's, --profile's, or the default chain's.
      ...(this.credentials ? { masterCredentials: this.credentials } : this.options.profile ? { masterCredentials: fromIni({ profile: this.options.profile }) } : {}),
      clientConfig: { region: this.defaultRegion, maxAttempts: this.options.maxAttempts, ...(endpoint ? { endpoint } : {}) },
    });
  }

  get defaultRegion(): string {
    const env = this.options.env ?? process.env;
    return this.options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  }

  /** The endpoint for a service: --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL. */
  endpointFor(service: ServiceKey): string | undefined {
    const env = this.options.env ?? process.env;
    return this.options.endpointUrl ?? env[`AWS_ENDPOINT_URL_${ENV_SUFFIX[service]}`] ?? env.AWS_ENDPOINT_URL;
  }

  private common(service: ServiceKey, region: string) {
    const endpoint = this.endpointFor(service);
    return {
      region,
      maxAttempts: this.options.maxAttempts,
      ...(endpoint ? { endpoint } : {}),
      ...(this.credentials
        ? { credentials: this.credentials }
        : this.options.profile
          ? { credentials: fromIni({ profile: this.options.profile }) }
          : {}),
    };
  }

  private memo<T>(key: string, make: () => T): T {
    let c = this.cache.get(key) as T | undefined;
    if (!c) {
      c = make();
      const [service, region] = key.split(':') as [string, string];
      this.instrument(service, region === 'global' ? (service === 'sts' ? this.defaultRegion : 'us-east-1') : region, c as unknown as ClientLike);
      this.cache.set(key, c);
    }
    return c;
  }

  /**
   * Runs every call within the concurrency limit, counts it (one count per
   * logical operation, retries included), and marks every error with the call
   * it came from (service, operation, region, custom endpoint), so messages can
   * name it.
   *
   * The slot is taken in `send`, before the SDK builds the call's middleware
   * stack, and given back when the call settles (serialisation, signing and the
   * retry loop all run inside it). Taking it any later would let a plan that
   * queues every read at once (70,000 at 10,000 sources) hold a built handler
   * stack per queued call: most of its memory. Counting and the error context
   * are middleware at the initialize step, the first of the stack. A call
   * without options runs on a handler of the pool (see HandlerPool).
   */
  private instrument(service: string, region: string, client: ClientLike): void {
    const endpoint = this.endpointFor(service as ServiceKey);
    const send = client.send.bind(client);
    const handlers = new HandlerPool(client);
    client.send = (...args) => this.limit(() => (args.length === 1 ? handlers.send(args[0] as CommandLike) : send(...args)));
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        const op = `${service}:${operation}`;
        this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
        try {
          return await next(args);
        } catch (e) {
          attachCallContext(e, { service: SERVICE_NAME[service as ServiceKey] ?? service, operation, region, ...(endpoint ? { endpoint } : {}) });
          throw e;
        }
      },
      { step: 'initialize', name: 's3replCallLimit', priority: 'high' },
    );
  }

  s3(region: string): S3Client {
    return this.memo(`s3:${region}`, () => {
      const c = this.common('s3', region);
      // Path-style addressing against a custom endpoint (emulator, LocalStack).
      return new S3Client({ ...c, forcePathStyle: Boolean(c.endpoint) });
    });
  }

  iam(): IAMClient {
    // IAM is global; its endpoint lives in us-east-1 (aws partition).
    return this.memo('iam:global', () => new IAMClient(this.common('iam', 'us-east-1')));
  }

  cloudwatch(region: string): CloudWatchClient {
    return this.memo(`cloudwatch:${region}`, () => new CloudWatchClient(this.common('cloudwatch', region)));
  }

  s3control(region: string): S3ControlClient {
    return this.memo(`s3control:${region}`, () => {
      const c = this.common('s3control', region);
      const endpoint = c.endpoint;
      // Against a custom endpoint the SDK's rules would prefix `{AccountId}.` to
      // the host; use the endpoint exactly as given instead.
      return new S3ControlClient({
        ...c,
        ...(endpoint ? { endpointProvider: () => ({ url: new URL(endpoint) }) } : {}),
      });
    });
  }

  kms(region: string): KMSClient {
    return this.memo(`kms:${region}`, () => new KMSClient(this.common('kms', region)));
  }

  sqs(region: string): SQSClient {
    return this.memo(`sqs:${region}`, () => new SQSClient(this.common('sqs', region)));
  }

  sts(): STSClient {
    return this.memo('sts:global', () => new STSClient(this.common('sts', this.defaultRegion)));
  }

  /** The caller's account id (GetCallerIdentity, once). */
  accountId(): Promise<string> {
    this.accountPromise ??= this.sts().send(new GetCallerIdentityCommand({})).then((r) => {
      if (!r.Account) throw new Error('GetCallerIdentity returned no account');
      return r.Account;
    });
    return this.accountPromise;
  }

  totalCalls(): number {
    let n = 0;
    for (const v of this.calls.values()) n += v;
    return n;
  }

  destroy(): void {
    for (const c of this.cache.values()) (c as { destroy?: () => void }).destroy?.();
    this.cache.clear();
    for (const a of this.accounts.values()) a.destroy();
    this.accounts.clear();
  }
}

/** Shares one credentials fetch between clients, and fetches again five minutes before they expire. */
function renewing(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let current: Promise<AwsCredentialIdentity> | undefined;
  return () => {
    const fresh = (c: AwsCredentialIdentity) => c.expiration === undefined || c.expiration.getTime() - Date.now() > 5 * 60_000;
    const load = () => {
      current = provider();
      current.catch(() => (current = undefined));
      return current;
    };
    if (!current) return load();
    return current.then((c) => (fresh(c) ? c : load()));
  };
}

/** A client's `send`, as s3repl calls it (a command and options; promises, no callbacks). */
type SendLike = (...args: unknown[]) => Promise<unknown>;

/** A command as the SDK's own `Client.send` uses it. */
interface CommandLike {
  resolveMiddleware(stack: unknown, config: unknown, options: undefined): (command: CommandLike) => Promise<{ output: unknown }>;
}

interface ClientLike {
  middlewareStack: MiddlewareStackLike;
  config: unknown;
  send: SendLike;
}

type Handler = ReturnType<CommandLike['resolveMiddleware']>;

/**
 * Resolved SDK handlers, kept for reuse: the SDK builds one per call otherwise
 * (it copies, expands and sorts the client's and the command's middleware, and
 * wraps each entry in closures). Measured on a plan of 2,000 sources, that was
 * nearly half of the garbage that outlives the young generation and grows the
 * heap (the heap's peak was several times what it held).
 *
 * The SDK's own `cacheMiddleware` option keeps one handler per command class,
 * and a handler carries one context object that its middleware writes per call
 * (the endpoint of the bucket, the signing scheme chosen): with concurrent calls
 * of one class it is shared between them, and a call could be sent to another
 * call's bucket. Here a handler serves one call at a time: a call takes a free
 * handler of its command class or builds one, and gives it back when it settles,
 * so each context is used one call after another, as `cacheMiddleware` uses it
 * for a caller that sends one call at a time. The pool never holds more handlers
 * than calls were in flight at once (the parallelism limit). As with
 * `cacheMiddleware`, middleware added to a client after its first call of a
 * command does not reach that command's handlers: s3repl adds its own when it
 * makes the client (instrument).
 */
class HandlerPool {
  private readonly free = new Map<unknown, Handler[]>();

  constructor(private readonly client: ClientLike) {}

  async send(command: CommandLike): Promise<unknown> {
    const type = (command as object).constructor;
    let free = this.free.get(type);
    if (!free) this.free.set(type, (free = []));
    const handler = free.pop() ?? command.resolveMiddleware(this.client.middlewareStack, this.client.config, undefined);
    try {
      return (await handler(command)).output;
    } finally {
      free.push(handler);
    }
  }
}

// The SDK's middleware types are generic over input/output; this is the part we use.
interface MiddlewareStackLike {
  add(
    mw: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>,
    options: { step: 'initialize'; name: string; priority: 'high' },
  ): void;
}
