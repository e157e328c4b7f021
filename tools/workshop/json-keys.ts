// Keys of JSON files (package.json, app.json) assigned to steps, since those files cannot hold comments.
//
// A key path is a slash-separated list of keys: "/dependencies/knex", "/scripts/migrate". A key that
// itself contains a slash is found as written ("/dependencies/@types/express"). Inside an array an
// element is matched by its value, or by its `plan`, `url` or `name` field, never by its index
// ("/addons/heroku-postgresql:essential-0").

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export class JsonKeyError extends Error {
  constructor(file: string, path: string, message: string) {
    super(`${file} ${path}: ${message}`);
    this.name = 'JsonKeyError';
  }
}

const IDENTITY_FIELDS = ['plan', 'url', 'name'] as const;

function elementMatches(element: JsonValue, key: string): boolean {
  if (typeof element === 'string') return element === key;
  if (element && typeof element === 'object' && !Array.isArray(element)) {
    return IDENTITY_FIELDS.some((field) => element[field] === key);
  }
  return false;
}

interface Location {
  parent: JsonValue[] | { [key: string]: JsonValue };
  key: string | number;
}

/** Finds where a key path points, trying the longest key first so keys may contain slashes. */
export function locate(root: JsonValue, path: string): Location | undefined {
  if (!path.startsWith('/')) return undefined;
  const segments = path.slice(1).split('/');
  const walk = (node: JsonValue, rest: string[]): Location | undefined => {
    for (let take = rest.length; take >= 1; take--) {
      const key = rest.slice(0, take).join('/');
      const remaining = rest.slice(take);
      let found: Location | undefined;
      if (Array.isArray(node)) {
        const index = node.findIndex((el) => elementMatches(el, key));
        if (index >= 0) found = { parent: node, key: index };
      } else if (node && typeof node === 'object' && Object.hasOwn(node, key)) {
        found = { parent: node, key };
      }
      if (!found) continue;
      if (remaining.length === 0) return found;
      const child = (found.parent as Record<string | number, JsonValue>)[found.key]!;
      const deeper = walk(child, remaining);
      if (deeper) return deeper;
    }
    return undefined;
  };
  return walk(root, segments);
}

/**
 * Returns a copy of `root` without the keys that `keep(path)` rejects. Keys are removed deepest
 * first so that a path inside another removed path is still found.
 */
export function withoutKeys(file: string, root: JsonValue, paths: readonly string[]): JsonValue {
  const copy = structuredClone(root);
  const locations = paths.map((path) => {
    const location = locate(copy, path);
    if (!location) throw new JsonKeyError(file, path, 'matches nothing in the source');
    return location;
  });
  // Object keys first; then array elements from the highest index down, so that the indexes still
  // to remove stay valid (a comparator that ranks only some pairs would not order them all).
  for (const { parent, key } of locations) {
    if (!Array.isArray(parent)) delete parent[key as string];
  }
  const elements = locations.filter((location) => Array.isArray(location.parent));
  for (const { parent, key } of elements.sort((a, b) => (b.key as number) - (a.key as number))) {
    (parent as JsonValue[]).splice(key as number, 1);
  }
  return copy;
}

/** The source's own formatting: two-space JSON with a final newline, as npm writes package.json. */
export function formatJson(value: JsonValue): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
