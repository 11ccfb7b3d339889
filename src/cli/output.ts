/**
 * Terminal output: the only code (with the commands) that decides colour and
 * which stream things go to. Machine formats go to stdout alone; progress,
 * logs and errors go to stderr. Colour is off under NO_COLOR, --no-color, a
 * non-TTY stdout, or TERM=dumb; FORCE_COLOR turns it on.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { UserError } from '../errors.js';
import { callContextOf, describeCall, isNotAnAwsReply, type CallContext } from '../aws/errors.js';

export interface Output {
  color: boolean;
  c: ChalkInstance;
  /** Writes to stdout. */
  out(text: string): void;
  /** Writes a line to stderr. */
  err(text: string): void;
  /** Whether stdin/stderr are terminals (prompts, spinners). */
  interactive: boolean;
  debug: boolean;
}

export function colorEnabled(opts: { color?: boolean }, stream: NodeJS.WriteStream = process.stdout): boolean {
  const env = process.env;
  if (opts.color === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return Boolean(stream.isTTY);
}

export function makeOutput(opts: { color?: boolean; debug?: boolean }): Output {
  const color = colorEnabled(opts);
  return {
    color,
    c: new Chalk({ level: color ? 2 : 0 }),
    out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    debug: Boolean(opts.debug),
  };
}

/** Prints an error the way users should see it and returns the exit code (1). */
export function reportError(e: unknown, o: Pick<Output, 'err' | 'c' | 'debug'>): number {
  if (e instanceof UserError) {
    o.err(`${o.c.red('Error:')} ${e.message}`);
    if (e.hint) o.err(`${o.c.dim('hint:')} ${e.hint}`);
    if (o.debug && e.stack) o.err(o.c.dim(e.stack));
    return 1;
  }
  const err = e as { name?: string; code?: string; message?: string; stack?: string; $metadata?: { httpStatusCode?: number } };
  const known = explain(err, callContextOf(e));
  if (known) {
    o.err(`${o.c.red('Error:')} ${known.message}`);
    o.err(`${o.c.dim('hint:')} ${known.hint}`);
  } else {
    const status = err?.$metadata?.httpStatusCode;
    const call = callContextOf(e);
    const aws = status ? ` (AWS ${err.name}, HTTP ${status}${call ? `; ${describeCall(call)}` : ''})` : call ? ` (${describeCall(call)})` : '';
    o.err(`${o.c.red('Error:')} ${err?.message ?? String(e)}${aws}`);
  }
  if (o.debug && err?.stack) o.err(o.c.dim(err.stack));
  else if (!known && !err?.$metadata?.httpStatusCode) o.err(o.c.dim('run with --debug for a stack trace'));
  return 1;
}

/** Failures every user meets sooner or later, said plainly, naming the call when it is known. */
function explain(err: { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined, call: CallContext | undefined): { message: string; hint: string } | undefined {
  const code = err?.code ?? err?.name ?? '';
  const what = call ? describeCall(call) : 'AWS';
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT'].includes(code)) {
    return {
      message: `cannot reach ${what}: ${err?.message ?? code}`,
      hint: call?.endpoint
        ? `nothing answers at ${call.endpoint}: check --endpoint-url and AWS_ENDPOINT_URL, and that the service there (an emulator, LocalStack) is running`
        : `check the network (and HTTPS_PROXY)${call ? `, and that ${call.region} is the right region` : ''}; --endpoint-url and AWS_ENDPOINT_URL send calls elsewhere`,
    };
  }
  if (call && isNotAnAwsReply(err)) {
    const status = err?.$metadata?.httpStatusCode;
    return {
      message: `${what} got a reply that is not an AWS API response${status ? ` (HTTP ${status})` : ''}`,
      hint: call.endpoint
        ? `check --endpoint-url and AWS_ENDPOINT_URL (${call.endpoint}): it must be the address of AWS or of an AWS-compatible API (an emulator, LocalStack), not a web page or another service`
        : 'something between s3repl and AWS answered instead of AWS (a proxy?); check HTTPS_PROXY and the network',
    };
  }
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(err?.message ?? '')) {
    return {
      message: `no AWS credentials: ${err?.message ?? code}`,
      hint: 'set AWS_PROFILE or --profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws sso login',
    };
  }
  if (code === 'ExpiredToken' || code === 'ExpiredTokenException') {
    return { message: `AWS credentials expired: ${err?.message ?? code}`, hint: 'refresh them (e.g. aws sso login) and run again' };
  }
  return undefined;
}
