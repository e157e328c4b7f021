// Sign up, log in, log out and "my page".
import { Router, type Request, type Response } from 'express';
import type { AppModule } from '../app-module.ts';
import { sessions } from '../platform/session.ts';
import { csrfProtection } from '../web/csrf.ts';
import { formBody } from '../web/forms.ts';
import { page } from '../web/layout.ts';
import { accountMenu } from './account-menu.ts';
import {
  destroySession,
  dropSession,
  regenerateSession,
  saveSession,
  SESSION_COOKIE,
  loggedInUser,
} from '../platform/session.ts';
import { createUsersRepo, type User } from './accounts.repo.ts';
import { loginSchema, parseForm, signupSchema } from './accounts.schema.ts';
import { createAccounts } from './accounts.service.ts';
import { loginView, myPageView, signupView, type FormState } from './accounts.views.ts';
// @step 5+
import {
  accountKey,
  LOGIN_PER_ACCOUNT,
  LOGIN_PER_ACCOUNT_HERE,
  LOGIN_PER_ADDRESS,
  SIGNUP_PER_ADDRESS,
} from './accounts.limits.ts';
import { addressOf } from '../platform/rate-limits.ts';
// @end

const WRONG_CREDENTIALS = 'That email and password do not match an account.';
const ACCOUNT_READY =
  'Your account is ready, but logging in is not available for a moment. Please log in here in a minute.';

export const accountsModule: AppModule = {
  // What every page needs once there are accounts: forms, the session, CSRF tokens, the header's menu.
  middleware: (deps) => ({
    page: [
      formBody,
      sessions(deps.config.session, deps.sessionStore),
      csrfProtection(deps.config.session),
      accountMenu,
    ],
  }),

  routes(deps, extensions) {
    const router = Router();
    const users = createUsersRepo(deps.db);
    const accounts = createAccounts(deps, users);
    // What other modules show on "my page", in module order.
    const myPageSections = extensions.sections('myPage');

    const renderForm = (
      req: Request,
      res: Response,
      view: (state: FormState) => ReturnType<typeof signupView>,
      title: string,
      status = 200,
      state: Omit<FormState, 'csrfToken'> = {},
    ) => {
      res
        .status(status)
        .send(page(res.locals, title, view({ ...state, csrfToken: req.csrfToken() })));
    };

    const logInAs = async (req: Request, res: Response, user: User) => {
      await regenerateSession(req);
      req.session.user = { id: user.id, displayName: user.displayName };
      await saveSession(req);
      res.redirect(303, '/me');
    };

    router.get('/signup', (req, res) => renderForm(req, res, signupView, 'Sign up'));

    router.post('/signup', async (req, res) => {
      const form = parseForm(signupSchema, req.body);
      if (!form.ok) return renderForm(req, res, signupView, 'Sign up', 422, form);
      await deps.limits.take(SIGNUP_PER_ADDRESS, addressOf(req)); // @step 5+
      const result = await accounts.signUp(form.data);
      if (!result.ok) {
        return renderForm(req, res, signupView, 'Sign up', 422, {
          values: { email: form.data.email, displayName: form.data.displayName },
          errors: { email: 'An account with this email already exists. Log in instead?' },
        });
      }
      req.log.info({ userId: result.user.id }, 'user signed up');
      // The account exists now: should the session store fail to log them in, the answer says so,
      // or a second try would read "already exists".
      await logInAs(req, res, result.user).catch((err: unknown) => {
        if (deps.services.describeOutage(err) === undefined) throw err;
        req.log.warn({ userId: result.user.id }, 'signed up, but the session store is away');
        dropSession(req);
        renderForm(req, res, loginView, 'Log in', 201, {
          values: { email: form.data.email },
          message: ACCOUNT_READY,
        });
      });
    });

    router.get('/login', (req, res) => renderForm(req, res, loginView, 'Log in'));

    router.post('/login', async (req, res) => {
      const form = parseForm(loginSchema, req.body);
      if (!form.ok) return renderForm(req, res, loginView, 'Log in', 422, form);
      // @step 5+
      // #region login-limits
      // Counted before the password is checked: past a limit, a guess costs no hashing at all.
      const account = accountKey(form.data.email);
      const fromHere = `${account}:${addressOf(req)}`;
      await deps.limits.take(LOGIN_PER_ADDRESS, addressOf(req));
      const here = await deps.limits.take(LOGIN_PER_ACCOUNT_HERE, fromHere);
      // Past the account's ceiling, a first try from an address still counts and goes through, so
      // that strangers guessing from elsewhere cannot lock the owner out.
      await deps.limits.take(LOGIN_PER_ACCOUNT, account, { exempt: here.used === 1 });
      // #endregion
      // @end
      const user = await accounts.logIn(form.data.email, form.data.password);
      if (!user) {
        return renderForm(req, res, loginView, 'Log in', 401, {
          values: { email: form.data.email },
          message: WRONG_CREDENTIALS,
        });
      }
      req.log.info({ userId: user.id }, 'user logged in');
      // @step 5+
      await deps.limits.forgive(LOGIN_PER_ACCOUNT, account);
      await deps.limits.forgive(LOGIN_PER_ACCOUNT_HERE, fromHere);
      // @end
      await logInAs(req, res, user);
    });

    router.post('/logout', async (req, res) => {
      await destroySession(req);
      // A cookie is cleared only by one with the same domain and path as the cookie it replaces.
      res.clearCookie(SESSION_COOKIE, deps.config.session.cookie);
      res.redirect(303, '/');
    });

    router.get('/me', async (req, res) => {
      const id = loggedInUser(req)?.id;
      const user = id ? await users.findById(id) : undefined;
      if (!user) return res.redirect(303, '/login');
      const sections = await Promise.all(myPageSections.map((section) => section(req)));
      res.send(page(res.locals, 'My page', myPageView(user, sections)));
    });

    return router;
  },
};
