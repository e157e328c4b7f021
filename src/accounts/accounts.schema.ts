// Validation of the signup and login forms: what a valid email, display name and password are, with
// messages written for the person filling in the form.
import { z } from 'zod';

const MAX_EMAIL = 254;
const MAX_NAME = 50;
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 200;

// Plain ASCII only: a Cyrillic "а" in place of a Latin "a" would otherwise make a second, look-alike account.
const EMAIL =
  /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
// Control and format characters (right-to-left overrides, zero-width joiners), line and paragraph
// separators, unassigned code points and noncharacters (U+FFFF), private use and lone surrogates.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cn}\p{Co}\p{Cs}]/u;
// A letter, digit, punctuation or symbol that shows: not one of the blanks that Unicode files under
// letters or symbols (the Hangul fillers U+3164 and U+115F, the blank Braille pattern U+2800).
const VISIBLE = /(?![\p{Default_Ignorable_Code_Point}\u2800])[\p{L}\p{N}\p{P}\p{S}]/u;

const requiredText = (missing: string) =>
  z.string({ error: missing }).transform((value) => value.trim().normalize('NFC'));

export const email = requiredText('Enter your email address.').pipe(
  z
    .string()
    .min(1, 'Enter your email address.')
    .max(MAX_EMAIL, `An email address has at most ${MAX_EMAIL} characters.`)
    .refine((value) => /^[\x21-\x7e]*$/.test(value), {
      message: 'Write the email address in plain Latin letters and digits.',
      abort: true,
    })
    .transform((value) => value.toLowerCase())
    .refine((value) => EMAIL.test(value), 'Enter an email address like name@example.com.'),
);

const displayName = requiredText('Enter a display name.').pipe(
  z
    .string()
    .min(1, 'Enter a display name.')
    .refine((value) => !INVISIBLE.test(value), {
      message: 'The display name contains invisible or control characters.',
      abort: true,
    })
    .refine((value) => VISIBLE.test(value), {
      message: 'Write a display name that people can see: at least one letter, digit or sign.',
      abort: true,
    })
    .refine(
      (value) => [...value].length <= MAX_NAME,
      `Keep the display name to ${MAX_NAME} characters or fewer.`,
    ),
);

const password = z
  .string({ error: 'Enter a password.' })
  .min(MIN_PASSWORD, `Choose a password of at least ${MIN_PASSWORD} characters.`)
  .max(MAX_PASSWORD, `Keep the password to ${MAX_PASSWORD} characters or fewer.`);

export const signupSchema = z.object({ email, displayName, password });
export const loginSchema = z.object({
  email,
  password: z
    .string({ error: 'Enter your password.' })
    .min(1, 'Enter your password.')
    .max(MAX_PASSWORD),
});

export type FormErrors = Partial<Record<string, string>>;

export type FormResult<T> =
  { ok: true; data: T } | { ok: false; errors: FormErrors; values: Record<string, string> };

/**
 * Validates a parsed form body. On failure it returns the first message per field, and what the person
 * typed (never the password) so the form can be shown again.
 */
export function parseForm<Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape>,
  body: unknown,
): FormResult<z.output<z.ZodObject<Shape>>> {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  // Only the schema's own fields are read; anything else in the body is ignored.
  const input = Object.fromEntries(Object.keys(schema.shape).map((name) => [name, fields[name]]));
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, data: parsed.data };
  const errors: FormErrors = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    // Passwords are never echoed back, and long junk is not put into the page.
    if (/password/i.test(name) || typeof value !== 'string' || value.length > 1000) continue;
    values[name] = value;
  }
  return { ok: false, errors, values };
}
