// JSON as Go's encoding/json writes it.

/** Go's encoding/json escapes <, >, & and U+2028/U+2029 in strings. */
export function goJSON(v: unknown): string {
  return JSON.stringify(v).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
