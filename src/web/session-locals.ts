// Puts the logged-in user and the CSRF token on res.locals, for the layout's navigation.
import type { RequestHandler } from 'express';
import { csrfToken } from './csrf.ts';

export const sessionLocals: RequestHandler = (req, res, next) => {
  if (req.session.user) {
    res.locals.user = req.session.user;
    res.locals.csrfToken = csrfToken(req);
  }
  next();
};
