/**
 * The state document as text: creating, parsing (refusing anything we do not
 * understand, without touching it), serialising (stable, for readable diffs)
 * and comparing.
 *
 * No credentials are ever written to state. Resource attributes are AWS
 * configuration (bucket settings, policies, alarm definitions), never secrets;
 * `assertNoSecrets` enforces that on every write and on every `put` into a
 * session, so a bug that leaked a credential into attributes fails loudly
 * instead of committing it to a state file (which often lives in git or a
 * shared bucket).
 */
import { isAscii } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import type { Attrs, Json } from '../resources/types.js';
import { KIND_NAMES } from '../resources/kind-names.js';
import { interner, sharer } from '../resources/util.js';
import { STATE_FORMAT_VERSION, type StateDocument, type StateResource } from './types.js';

/** A fresh, empty state: a new lineage, serial 0. */
export function newState(): StateDocument {
  return {
    formatVersion: STATE_FORMAT_VERSION,
    lineage: randomUUID(),
    serial: 0,
    s3replVersion: VERSION,
    resources: {},
  };
}

/**
 * Parses a state file. Throws a UserError naming `where` for anything that is
 * not a state document this version understands. Parsing never writes: the
 * message says so, and says how to recover (`backupWhere`, when given).
 */
export function parseState(text: string | Buffer, where: string, backupWhere?: string): StateDocument {
  const refuse = (problem: string, extraHint?: string): never => {
    const recover = backupWhere
      ? `The previous version is kept at ${backupWhere}: inspect it and copy it over ${where} if it is good.`
      : `Restore ${where} from your own backup or version history.`;
    throw new UserError(
      `state at ${where} is unusable: ${problem}. Nothing was overwritten; s3repl stopped without changing anything.`,
      [extraHint, recover].filter(Boolean).join(' '),
    );
  };

  let raw: unknown;
  try {
    raw = typeof text === 'string' ? JSON.parse(text) : (parseByResource(text) ?? JSON.parse(stateText(text)));
  } catch (e) {
    return refuse(`it is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(raw)) return refuse('it is not a JSON object');

  const fv = raw.formatVersion;
  if (fv !== STATE_FORMAT_VERSION) {
    if (typeof fv === 'number') {
      return refuse(
        `it has formatVersion ${fv}, and this s3repl (${VERSION}) understands only formatVersion ${STATE_FORMAT_VERSION}`,
        fv > STATE_FORMAT_VERSION
          ? `It was written by a newer s3repl${typeof raw.s3replVersion === 'string' ? ` (${raw.s3replVersion})` : ''}: upgrade s3repl.`
          : undefined,
      );
    }
    return refuse('it has no numeric "formatVersion" (is this an s3repl state file?)');
  }
  if (typeof raw.lineage !== 'string' || raw.lineage === '') return refuse('"lineage" is missing or not a string');
  if (typeof raw.serial !== 'number' || !Number.isSafeInteger(raw.serial) || raw.serial < 0) {
    return refuse('"serial" is missing or not a non-negative integer');
  }
  if (typeof raw.s3replVersion !== 'string') return refuse('"s3replVersion" is missing or not a string');
  if (!isPlainObject(raw.resources)) return refuse('"resources" is missing or not an object');

  const resources: Record<string, StateResource> = {};
  const entries = Object.entries(raw.resources);
  // One string for each address, id and value however often the state repeats it
  // (dependencies name addresses; every alarm names its region): addresses first.
  const intern = interner();
  // One frozen copy of each small part that many resources hold (see sharer).
  const share = sharer();
  for (const [address] of entries) intern(address);
  for (const [address, value] of entries) {
    const problem = resourceProblem(address, value);
    if (problem) return refuse(`resource "${address}" ${problem}`);
    const r = intern(value as StateResource);
    r.attributes = share(r.attributes);
    if (r.dependsOn?.length === 0) r.dependsOn = share(r.dependsOn);
    setOwn(resources, address, r);
  }
  return {
    formatVersion: STATE_FORMAT_VERSION,
    lineage: raw.lineage,
    serial: raw.serial,
    s3replVersion: raw.s3replVersion,
    resources,
  };
}

/** Why `r` is not a state resource recorded at `address` (undefined: it is one). */
export function resourceProblem(address: string, r: unknown): string | undefined {
  if (!isPlainObject(r)) return 'is not an object';
  if (r.address !== address) return `has "address" ${JSON.stringify(r.address)}, which differs from its key`;
  if (typeof r.kind !== 'string' || r.kind === '') return 'has no "kind"';
  if (!(KIND_NAMES as readonly string[]).includes(r.kind)) {
    return `has unknown kind ${JSON.stringify(r.kind)} (this s3repl knows ${KIND_NAMES.join(', ')})`;
  }
  if (!isPlainObject(r.id) || !Object.values(r.id).every((v) => typeof v === 'string')) {
    return 'has an "id" that is not an object of strings';
  }
  if (!isPlainObject(r.attributes)) return 'has "attributes" that are not an object';
  if (typeof r.appliedAt !== 'string') return 'has no "appliedAt"';
  if (r.dependsOn !== undefined && !(Array.isArray(r.dependsOn) && r.dependsOn.every((a) => typeof a === 'string'))) {
    return 'has a "dependsOn" that is not a list of addresses';
  }
  if (r.operation !== undefined) {
    const o = r.operation;
    if (!isPlainObject(o) || (o.type !== 'create' && o.type !== 'delete') || typeof o.request !== 'string' || o.request === '' || typeof o.startedAt !== 'string') {
      return 'has an "operation" that is not {type: create|delete, request, startedAt}';
    }
  }
  return undefined;
}

/** Defined, not assigned: an address such as __proto__ is a key like any other. */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

const RESOURCES_OPEN = Buffer.from('\n  "resources": {\n');
const ENTRY_OPEN = Buffer.from('    "');
const ENTRY_KEY_END = Buffer.from('": {\n');
const ENTRY_CLOSE = Buffer.from('\n    }');
const DOCUMENT_CLOSE = Buffer.from('\n  }\n}\n');

/**
 * The state document read one resource at a time, when its bytes are laid out
 * as serializeState writes them; undefined for any other layout or anything it
 * cannot parse (the caller then parses the text whole, and reports its errors).
 *
 * Parsed whole, the text of a state of 10,000 sources (over 50 MB) is one string
 * that lives beside everything parsed from it, and the heap the garbage collector
 * sizes from that moment stays that large for the rest of the run. Here no string
 * is larger than one resource.
 *
 * The layout: two-space indentation, `resources` last, each resource an entry
 * opened by a line indented four spaces (its address, then `": {`) and closed by
 * the first line that is four spaces and `}` (every line inside is indented
 * further; JSON strings hold no newline, so no address or value can end either
 * early).
 */
export function parseByResource(bytes: Buffer): unknown {
  const open = bytes.indexOf(RESOURCES_OPEN);
  if (open < 0) return undefined;
  try {
    const doc = JSON.parse(`${bytes.toString('utf8', 0, open)}\n  "resources": {}\n}`) as { resources: Record<string, unknown> };
    if (!isPlainObject(doc) || !isPlainObject(doc.resources)) return undefined;
    const resources: Record<string, unknown> = doc.resources;
    let at = open + RESOURCES_OPEN.length;
    for (;;) {
      const close = bytes.indexOf(ENTRY_CLOSE, at);
      // The address, then its value: parsed apart, as an object holding one
      // address would give every resource a shape of its own.
      const colon = bytes.indexOf(ENTRY_KEY_END, at);
      if (close < 0 || colon < 0 || colon > close || !bytes.subarray(at, at + ENTRY_OPEN.length).equals(ENTRY_OPEN)) return undefined;
      const address: unknown = JSON.parse(bytes.toString('utf8', at + ENTRY_OPEN.length - 1, colon + 1));
      if (typeof address !== 'string') return undefined;
      const value: unknown = JSON.parse(bytes.toString('utf8', colon + ENTRY_KEY_END.length - 2, close + ENTRY_CLOSE.length));
      setOwn(resources, address, value);
      at = close + ENTRY_CLOSE.length;
      if (bytes[at] === 0x2c && bytes[at + 1] === 0x0a) {
        at += 2;
        continue;
      }
      // The last entry: the document ends here.
      return at + DOCUMENT_CLOSE.length === bytes.length && bytes.subarray(at).equals(DOCUMENT_CLOSE) ? doc : undefined;
    }
  } catch {
    return undefined;
  }
}

/**
 * A state file's bytes as text. What s3repl writes is ASCII (see serializeState),
 * decoded as Latin-1 (the same characters): Node keeps a large one-byte string
 * outside the JavaScript heap, so a state of 10,000 sources does not double the
 * heap while it is parsed. Anything else is decoded as UTF-8.
 */
function stateText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/**
 * Stable text: fixed top-level field order, resources sorted by address,
 * object keys sorted at every depth (arrays keep their order), 2-space
 * indentation, trailing newline. Refuses documents holding anything that looks
 * like a credential (see assertNoSecrets).
 */
export function serializeState(doc: StateDocument): string {
  assertNoSecrets(doc);
  return asciiJson(`${JSON.stringify(canonical(doc), null, 2)}\n`);
}

/**
 * JSON text with every character outside ASCII written as a \u escape (the same
 * document to every JSON reader). Read back, ASCII text is a string of one byte
 * per character; a single character outside it (an alarm description's arrow)
 * makes the whole state two bytes per character, and at 10,000 sources that
 * string alone is over 100 MB while it is parsed.
 */
function asciiJson(text: string): string {
  return text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** True when a and b record the same thing; `serial` is ignored. */
export function stateEquals(a: StateDocument, b: StateDocument): boolean {
  return (
    JSON.stringify(canonical({ ...a, serial: 0 })) === JSON.stringify(canonical({ ...b, serial: 0 }))
  );
}

/** True when two resources record the same thing, `appliedAt` aside. */
export function sameResource(a: StateResource, b: StateResource): boolean {
  return JSON.stringify(canonicalResource({ ...a, appliedAt: '' })) === JSON.stringify(canonicalResource({ ...b, appliedAt: '' }));
}

function canonical(doc: StateDocument): unknown {
  const resources: Record<string, unknown> = {};
  for (const address of Object.keys(doc.resources).sort()) {
    resources[address] = canonicalResource(doc.resources[address]!);
  }
  return {
    formatVersion: doc.formatVersion,
    lineage: doc.lineage,
    serial: doc.serial,
    s3replVersion: doc.s3replVersion,
    resources,
  };
}

/** A resource with its keys in the stable order state files use. */
export function canonicalResource(r: StateResource): unknown {
  return {
    address: r.address,
    kind: r.kind,
    id: sortKeys(r.id as Json),
    attributes: sortKeys(r.attributes),
    ...(r.dependsOn !== undefined ? { dependsOn: r.dependsOn } : {}),
    appliedAt: r.appliedAt,
    ...(r.operation !== undefined ? { operation: { type: r.operation.type, request: r.operation.request, startedAt: r.operation.startedAt } } : {}),
  };
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Attrs = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]!);
    return out;
  }
  return v;
}

/**
 * Attribute names that must never carry a value into state. Deliberately
 * narrow: AWS configuration has names like `ClientRequestToken` (an
 * idempotency token, not a secret) and `ReplicaKmsKeyID` (a key's id, not
 * key material), which are allowed.
 */
const SECRET_KEY = /secret|password|passphrase|credential|private_?key|session_?token|security_?token|auth_?token|access_?key_?id/i;
/** An AWS access key id (long-term AKIA, temporary ASIA). */
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/;

/**
 * Throws when the document holds something that looks like a credential: an
 * attribute named like a secret, an AWS access key id anywhere, or the value
 * of the caller's own AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN. This is a bug
 * in s3repl, not something a user did, so it is a plain Error.
 */
export function assertNoSecrets(doc: StateDocument | StateResource, env: NodeJS.ProcessEnv = process.env): void {
  const own = [env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN, env.AWS_ACCESS_KEY_ID].filter(
    (v): v is string => typeof v === 'string' && v.length >= 16,
  );
  const visit = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      if (ACCESS_KEY_ID.test(v) || own.some((secret) => v.includes(secret))) {
        throw new Error(`refusing to write state: ${path} looks like an AWS credential`);
      }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, `${path}[${i}]`));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (SECRET_KEY.test(k) && x !== null && x !== '') {
          throw new Error(`refusing to write state: ${path}.${k} is named like a secret`);
        }
        visit(x, `${path}.${k}`);
      }
    }
  };
  visit(doc, 'state');
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
