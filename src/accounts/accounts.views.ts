// Pages of the accounts feature: sign up, log in, and the participant's own page.
import { longDate } from '../platform/dates.ts';
import { html, type SafeHtml } from '../platform/html.ts';
import { csrfField, field } from '../web/forms.ts';
import type { User } from './accounts.repo.ts';
import type { FormErrors } from './accounts.schema.ts';

export interface FormState {
  csrfToken: string;
  values?: Record<string, string>;
  errors?: FormErrors;
  message?: string;
}

const formMessage = (message: string | undefined) =>
  message ? html`<p role="alert" class="form-message">${message}</p>` : '';

export function signupView({ csrfToken, values = {}, errors = {}, message }: FormState): SafeHtml {
  return html`<article class="narrow">
    <h1>Join the campaign</h1>
    ${formMessage(message)}
    <form method="post" action="/signup" novalidate>
      ${csrfField(csrfToken)}
      ${field({ label: 'Email', name: 'email', type: 'email', value: values.email, error: errors.email, autocomplete: 'email' })}
      ${field({ label: 'Display name', name: 'displayName', value: values.displayName, error: errors.displayName, autocomplete: 'nickname', hint: 'Shown next to your entries.' })}
      ${field({ label: 'Password', name: 'password', type: 'password', error: errors.password, autocomplete: 'new-password', hint: 'At least 8 characters.' })}
      <button type="submit">Sign up</button>
    </form>
    <p>Already taking part? <a href="/login">Log in</a></p>
  </article>`;
}

export function loginView({ csrfToken, values = {}, errors = {}, message }: FormState): SafeHtml {
  return html`<article class="narrow">
    <h1>Log in</h1>
    ${formMessage(message)}
    <form method="post" action="/login" novalidate>
      ${csrfField(csrfToken)}
      ${field({ label: 'Email', name: 'email', type: 'email', value: values.email, error: errors.email, autocomplete: 'username' })}
      ${field({ label: 'Password', name: 'password', type: 'password', error: errors.password, autocomplete: 'current-password' })}
      <button type="submit">Log in</button>
    </form>
    <p>New here? <a href="/signup">Sign up</a></p>
  </article>`;
}

export function myPageView(user: User, sections: readonly SafeHtml[] = []): SafeHtml {
  return html`<article class="narrow">
    <h1>Hello, ${user.displayName}</h1>
    <dl>
      <dt>Email</dt>
      <dd>${user.email}</dd>
      <dt>Taking part since</dt>
      <dd>
        <time datetime="${user.createdAt.toISOString()}">${longDate.format(user.createdAt)}</time>
      </dd>
    </dl>
    ${sections}
  </article>`;
}
