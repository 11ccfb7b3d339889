import { describe, expect, it } from 'vitest';
import { codeSpan, escapeMarkdown, fenceFor, formatKey, formatScalar, lineDiff, parseJsonDocument, segments, valueTree, wrapSegments, wrapWords } from '../../src/render/values.js';
import { formatConditions } from '../../src/render/iam.js';

describe('values', () => {
  it('formats scalars and keys', () => {
    expect(formatScalar('a"b')).toBe('"a\\"b"');
    expect(formatScalar(3)).toBe('3');
    expect(formatScalar(null)).toBe('null');
    expect(formatScalar(undefined)).toBe('(none)');
    expect(formatKey('storageClass')).toBe('storageClass');
    expect(formatKey('aws:SourceAccount')).toBe('"aws:SourceAccount"');
  });

  it('recognises JSON documents held in strings, and nothing else', () => {
    expect(parseJsonDocument('{"Version":"2012-10-17"}')).toEqual({ Version: '2012-10-17' });
    expect(parseJsonDocument('{not json}')).toBeUndefined();
    expect(parseJsonDocument('"x"')).toBeUndefined();
    expect(parseJsonDocument(42)).toBeUndefined();
  });

  it('keeps short scalar arrays on one line and breaks long ones', () => {
    const opts = { width: 40, indentPerDepth: 4 };
    expect(valueTree('rules', ['a', 'b'], '+', 0, opts)).toEqual([{ sign: '+', depth: 0, text: 'rules = ["a", "b"]' }]);
    const long = valueTree('rules', ['a'.repeat(20), 'b'.repeat(20)], '+', 0, opts).map((l) => l.text);
    expect(long).toEqual(['rules = [', `"${'a'.repeat(20)}",`, `"${'b'.repeat(20)}",`, ']']);
  });

  it('diffs lines and folds long unchanged runs', () => {
    const a = ['{', ...Array.from({ length: 20 }, (_, i) => `  "k${i}": ${i},`), '  "x": 1', '}'];
    const b = a.map((l) => (l === '  "x": 1' ? '  "x": 2' : l));
    const d = lineDiff(a, b);
    expect(d.filter((e) => e.sign !== ' ').map((e) => `${e.sign}${e.text}`)).toEqual(['-  "x": 1', '+  "x": 2']);
    expect(d.some((e) => /^… \d+ unchanged lines$/.test(e.text))).toBe(true);
    expect(d.length).toBeLessThan(12);
  });

  it('wraps prose at words and cell values at separators', () => {
    expect(wrapWords('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(segments('arn:aws:s3:::bucket/*')).toEqual(['arn:', 'aws:', 's3:', ':', ':', 'bucket/', '*']);
    expect(wrapSegments('arn:aws:s3:::acme-logs-backup/*', 16)).toEqual(['arn:aws:s3:::', 'acme-logs-', 'backup/*']);
    expect(wrapSegments('s3:GetObjectVersionForReplication', 20)).toEqual(['s3:GetObjectVersion', 'ForReplication']);
  });

  it('escapes for Markdown', () => {
    expect(codeSpan('a|b')).toBe('`a\\|b`');
    expect(codeSpan('has `tick`')).toBe('`` has `tick` ``');
    expect(codeSpan('`x`', false)).toBe('`` `x` ``');
    expect(escapeMarkdown('<b>*x*</b> | [y](z)')).toBe('&lt;b&gt;\\*x\\*&lt;/b&gt; \\| \\[y\\](z)');
    expect(fenceFor(['plain'])).toBe('```');
    expect(fenceFor(['has ```` inside'])).toBe('`````');
  });

  it('formats IAM conditions as one expression per key', () => {
    expect(formatConditions({ StringEquals: { 'aws:SourceAccount': '111122223333', 's3:x-amz-acl': ['a', 'b'] }, Bool: { 'aws:SecureTransport': true } })).toEqual([
      'aws:SourceAccount StringEquals 111122223333',
      's3:x-amz-acl StringEquals a, b',
      'aws:SecureTransport Bool true',
    ]);
    expect(formatConditions(undefined)).toEqual([]);
  });
});
