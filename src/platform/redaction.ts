// The redaction list: what must never reach a log line. The logger runs every finished line through it,
// so a secret is caught wherever it hides: a field, the message, an error's text, a child's bindings.
export const REDACTED = '[redacted]';

/** Fields whose value is a secret, at any depth, by name: `"password":"…"` becomes `"password":"[redacted]"`. */
export const SECRET_FIELDS =
  /"((?:[\w-]*(?:password|secret|token|csrf|signature|credential)[\w-]*)|cookie|set-cookie|authorization|x-amz-signature|x-amz-credential|x-amz-security-token|policy)"\s*:\s*("(?:[^"\\]|\\.)*"|\[(?:"(?:[^"\\]|\\.)*",?)*\])/gi;

/** Secrets inside text, each with what stays readable around it. */
export const SECRET_TEXT: ReadonlyArray<{ name: string; pattern: RegExp; keep: string }> = [
  // A presigned URL's query: the signature is the key to the object; the credential names the key's owner.
  {
    name: 'a presigned URL’s signature',
    pattern: /\b(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"'\\]+/gi,
    keep: `$1${REDACTED}`,
  },
  // postgres://user:password@host, rediss://:password@host, smtp://login:password@host.
  {
    name: 'a password in a URL',
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"]*:)[^\s@/"]+@/gi,
    keep: `$1${REDACTED}@`,
  },
  {
    name: 'an Authorization header’s credentials',
    pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g,
    keep: `$1 ${REDACTED}`,
  },
  // The signed link in each digest: whoever holds it can unsubscribe its owner.
  {
    name: 'an unsubscribe token in a path',
    pattern: /(\/unsubscribe\/)[^\s/?#"\\]+/g,
    keep: `$1${REDACTED}`,
  },
  // A session cookie's value is the session: connect.sid=s%3A…, or any other *sid.
  {
    name: 'a session cookie',
    pattern: /\b([\w.-]*sid=)[^;\s"\\]+/gi,
    keep: `$1${REDACTED}`,
  },
];

/** A log line (or any text) with everything on the list replaced by [redacted]. */
export function redactText(text: string): string {
  let out = text.replace(SECRET_FIELDS, (_match, name: string) => `"${name}":"${REDACTED}"`);
  for (const { pattern, keep } of SECRET_TEXT) out = out.replace(pattern, keep);
  return out;
}
