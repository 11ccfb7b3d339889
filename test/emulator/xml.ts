/**
 * XML helpers for the REST-XML services (S3, S3 Control): a strict parse of
 * request bodies (fast-xml-parser) and a tiny ordered builder for responses.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A parsed XML element: text, or children by tag name (repeated tags become arrays). */
export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [tag: string]: XmlValue;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/**
 * Parses a request body. Returns the root element's name and content, or null
 * when the body is not well-formed XML (the caller answers MalformedXML).
 */
export function parseXml(body: Buffer | string): { root: string; value: XmlValue } | null {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') return null;
  if (XMLValidator.validate(text) !== true) return null;
  let doc: unknown;
  try {
    doc = parser.parse(text);
  } catch {
    return null;
  }
  if (!isObject(doc)) return null;
  const roots = Object.keys(doc);
  if (roots.length !== 1) return null;
  const root = roots[0]!;
  return { root, value: doc[root] ?? '' };
}

export function isObject(v: unknown): v is XmlObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Children with that tag, always as a list (absent → []). */
export function children(parent: XmlValue | undefined, tag: string): XmlValue[] {
  if (!isObject(parent)) return [];
  const v = parent[tag];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** The single child with that tag (the first when repeated), or undefined. */
export function child(parent: XmlValue | undefined, tag: string): XmlValue | undefined {
  return children(parent, tag)[0];
}

/** Text of the single child with that tag; an empty element gives ''. */
export function text(parent: XmlValue | undefined, tag: string): string | undefined {
  const c = child(parent, tag);
  if (c === undefined) return undefined;
  if (typeof c === 'string') return c;
  return isObject(c) && Object.keys(c).length === 0 ? '' : undefined;
}

/** True when the element is present (even empty). */
export function has(parent: XmlValue | undefined, tag: string): boolean {
  return isObject(parent) && parent[tag] !== undefined;
}

// ---------------------------------------------------------------- building

/** An element for the builder: [tag, content]; content undefined → element omitted. */
export type XmlNode = [string, XmlContent];
export type XmlContent = string | number | boolean | undefined | null | XmlNode[];

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

function render(node: XmlNode): string {
  const [tag, content] = node;
  if (content === undefined || content === null) return '';
  if (Array.isArray(content)) return `<${tag}>${content.map(render).join('')}</${tag}>`;
  const s = escapeXml(String(content));
  return s === '' ? `<${tag}></${tag}>` : `<${tag}>${s}</${tag}>`;
}

/** A whole document with declaration; xmlns on the root when given. */
export function xmlDocument(root: string, content: XmlNode[], xmlns?: string): string {
  const open = xmlns ? `<${root} xmlns="${xmlns}">` : `<${root}>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${open}${content.map(render).join('')}</${root}>`;
}

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
export const S3CONTROL_XMLNS = 'http://awss3control.amazonaws.com/doc/2018-08-20/';

/** Converts a parsed XML value back into builder nodes (to echo stored documents). */
export function toNodes(value: XmlValue): XmlNode[] | string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === 'string' ? [] : toNodes(v) as XmlNode[]));
  const out: XmlNode[] = [];
  for (const [tag, v] of Object.entries(value)) {
    const list = Array.isArray(v) ? v : [v];
    for (const item of list) out.push([tag, typeof item === 'string' ? item : (toNodes(item) as XmlNode[])]);
  }
  return out;
}
