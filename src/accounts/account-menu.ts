// The header's account links: sign up and log in for visitors; the name and a log-out button for a
// logged-in participant, whose pages are then kept out of every cache.
import type { RequestHandler } from 'express';
import { html } from '../platform/html.ts';
import { loggedInUserIgnoringOutage } from '../platform/session.ts';
import { csrfField } from '../web/forms.ts';

export const accountMenu: RequestHandler = (req, res, next) => {
  const user = loggedInUserIgnoringOutage(req);
  if (!user) {
    res.locals.menu = html`<li><a href="/signup">Sign up</a></li>
      <li><a href="/login">Log in</a></li>`;
    return next();
  }
  res.locals.menu = html`<li><a href="/me">${user.displayName}</a></li>
    <li>
      <form method="post" action="/logout" class="inline">
        ${csrfField(req.csrfToken())}
        <button type="submit" class="secondary outline">Log out</button>
      </form>
    </li>`;
  next();
};
