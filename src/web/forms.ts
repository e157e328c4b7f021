// Form pieces shared by every form: a labelled field with its error, and the hidden CSRF token.
import { html, type SafeHtml } from '../platform/html.ts';

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
