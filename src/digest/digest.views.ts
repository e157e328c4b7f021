// The digest's section of "my page", and the page an unsubscribe link opens.
import { html, type SafeHtml } from '../platform/html.ts';
import { csrfField } from '../web/forms.ts';

export function digestSectionView(subscribed: boolean, csrfToken: string): SafeHtml {
  return html`<section class="digest" aria-labelledby="digest-heading">
    <h2 id="digest-heading">Daily digest</h2>
    <p>
      ${
        subscribed
          ? 'You get an email each morning with what is new in the campaign.'
          : 'An email each morning with what is new: the latest photos, how many take part, and the days left.'
      }
    </p>
    <form method="post" action="/me/digest">
      ${csrfField(csrfToken)}
      <input type="hidden" name="digest" value="${subscribed ? 'off' : 'on'}" />
      <button type="submit" ${subscribed ? html`class="secondary"` : ''}>
        ${subscribed ? 'Stop the daily digest' : 'Send me the daily digest'}
      </button>
    </form>
  </section>`;
}

/** "a•••@example.com": enough for the reader to know the address, not enough to harvest it. */
export function maskedAddress(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '•••' : `${email[0]}•••${email.slice(at)}`;
}

export function unsubscribeView(state: {
  token: string;
  email: string;
  subscribed: boolean;
}): SafeHtml {
  const address = maskedAddress(state.email);
  if (!state.subscribed) {
    return html`<article class="narrow">
      <h1>You are unsubscribed</h1>
      <p>No more digests go to ${address}.</p>
      <p>Changed your mind? <a href="/me">Log in</a> and turn it back on from your page.</p>
    </article>`;
  }
  // A form, not the link itself: mail scanners open every link in a message, and must not unsubscribe.
  return html`<article class="narrow">
    <h1>Stop the daily digest?</h1>
    <p>${address} will get no more digests. Other email about your account still arrives.</p>
    <form method="post" action="/unsubscribe/${state.token}?from=page">
      <button type="submit">Unsubscribe</button>
    </form>
  </article>`;
}
