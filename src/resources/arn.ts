/** ARNs and names s3repl derives. Only the aws partition is supported today. */

export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;

export const objectsArn = (bucket: string, prefix = ''): string => `arn:aws:s3:::${bucket}/${prefix}*`;

export function roleArn(accountId: string, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:role${path}${name}`;
}

/** The bucket name in `arn:aws:s3:::name`, or the input when it is a plain name. */
export function bucketFromArn(arn: string): string {
  return arn.startsWith('arn:') ? arn.slice(arn.lastIndexOf(':') + 1) : arn;
}

/** `arn:aws:iam::123:role/path/name` → { account, path: '/path/', name }. */
export function parseRoleArn(arn: string): { account: string; path: string; name: string } | undefined {
  const m = /^arn:aws[\w-]*:iam::(\d{12}):role(\/(?:[^/]+\/)*)([^/]+)$/.exec(arn);
  if (!m) return undefined;
  return { account: m[1]!, path: m[2]!, name: m[3]! };
}
