// Forms: the body parser every form post goes through, a labelled field with its error, and the
// hidden CSRF token.
import express from 'express';
import { html, type SafeHtml } from '../platform/html.ts';
import { badRequest } from '../platform/http-errors.ts';

/**
 * A percent-escape that is cut short ("%E0%A4%A") or that makes no UTF-8 would otherwise reach the
 * app as literal text: such a body is refused as a whole.
 */
function rejectMalformed(_req: unknown, _res: unknown, body: Buffer): void {
  for (const pair of body.toString('latin1').split('&')) {
    try {
      decodeURIComponent(pair.replaceAll('+', ' '));
    } catch {
      throw badRequest(
        'The form arrived with malformed characters. Reload the page and send it again.',
      );
    }
  }
}

// Forms only, and small: a field over the limit gets a clear 413 rather than a long parse.
export const formBody = express.urlencoded({
  extended: false,
  limit: '32kb',
  parameterLimit: 20,
  verify: rejectMalformed,
});

export interface FieldOptions {
  label: string;
  name: string;
  type?: 'text' | 'email' | 'password';
  value?: string | undefined;
  error?: string | undefined;
  autocomplete: string;
  hint?: string;
  /** Fields are required unless this says otherwise. */
  required?: boolean;
}

export function field(options: FieldOptions): SafeHtml {
  const id = `field-${options.name}`;
  const describedBy = options.error || options.hint ? `${id}-help` : undefined;
  return html`<label for="${id}">
    ${options.label}
    <input
      id="${id}"
      name="${options.name}"
      type="${options.type ?? 'text'}"
      value="${options.value ?? ''}"
      autocomplete="${options.autocomplete}"
      ${options.required === false ? '' : html`required`}
      ${options.error ? html`aria-invalid="true"` : ''}
      ${describedBy ? html`aria-describedby="${describedBy}"` : ''}
    />
    ${describedBy ? html`<small id="${describedBy}">${options.error ?? options.hint}</small>` : ''}
  </label>`;
}

export const csrfField = (token: string): SafeHtml =>
  html`<input type="hidden" name="_csrf" value="${token}" />`;
