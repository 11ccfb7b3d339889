/** The plain values resources are made of: attributes are JSON, identifiers are strings. */

/** Attribute values are plain JSON. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Attrs = { [k: string]: Json };

/** Identifiers: what AWS needs to find the resource (bucket+region, role name, alarm name+region). */
export type ResourceId = Record<string, string>;
