'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- Verdaccio require()s plugins: this file is CommonJS */
// Verdaccio auth plugin of @cinatra/registry (CommonJS: Verdaccio loads plugins with require).
//
// It replaces Verdaccio's own token handling: the only credentials are Cinatra API tokens
// (`Authorization: Bearer cin_…`, which is what npm sends for `_authToken`) and the
// instance's own identity token. A `cin_…` token is sent over the IPC channel to the platform
// process that started this Verdaccio; the platform authenticates it (Authenticator, audited
// refusals), authorizes it (AUTHORIZER: reads, and for writes an audited `publish` check) and
// answers with the groups this request holds. Reads need `cinatra-read`, publishing needs
// `cinatra-publish`; unpublishing is refused for everyone, because published versions are
// immutable (re-publishing an existing version is refused by Verdaccio itself with 409).
const { createHash, timingSafeEqual } = require('node:crypto');
const { errorUtils } = require('@verdaccio/core');

const READ = 'cinatra-read';
const PUBLISH = 'cinatra-publish';
const INSTANCE_USER = 'cinatra-instance';
const ANSWER_TIMEOUT_MS = 15000;

const digest = (text) => createHash('sha256').update(text, 'utf8').digest();

let nextId = 0;
const pending = new Map();
process.on('message', (message) => {
  if (!message || message.type !== 'auth-result') return;
  const settle = pending.get(message.id);
  if (settle) {
    pending.delete(message.id);
    settle(message);
  }
});

/** Asks the platform who holds `token` and what this request may do; never rejects. */
function askPlatform(token, method, url) {
  if (typeof process.send !== 'function') {
    return Promise.resolve({ error: 'the registry has no platform to ask (no IPC channel)' });
  }
  const id = ++nextId;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      resolve({ error: 'the platform did not answer the token check in time' });
    }, ANSWER_TIMEOUT_MS);
    pending.set(id, (answer) => {
      clearTimeout(timer);
      resolve(answer);
    });
    process.send({ type: 'auth', id, token, method, url });
  });
}

module.exports = function cinatraAuthPlugin() {
  const instanceToken = process.env.CINATRA_REGISTRY_INSTANCE_TOKEN || '';
  const instanceDigest = instanceToken ? digest(instanceToken) : null;
  const has = (user, group) => Boolean(user && Array.isArray(user.groups) && user.groups.includes(group));

  return {
    authenticate(_user, _password, callback) {
      callback(
        errorUtils.getUnauthorized(
          'This registry accepts Cinatra API tokens only: put //<host>/:_authToken=cin_… in .npmrc',
        ),
      );
    },
    adduser(_user, _password, callback) {
      callback(errorUtils.getForbidden("Accounts are the platform's: create a Cinatra API token instead"));
    },
    allow_access(user, pkg, callback) {
      if (has(user, READ)) return callback(null, true);
      return callback(errorUtils.getForbidden(`${pkg.name} is private to this Cinatra instance`));
    },
    allow_publish(user, pkg, callback) {
      if (has(user, PUBLISH)) return callback(null, true);
      return callback(
        errorUtils.getForbidden(
          `Publishing ${pkg.name} needs a Cinatra API token with the registry_package:write scope held by a platform admin`,
        ),
      );
    },
    allow_unpublish(_user, pkg, callback) {
      callback(
        errorUtils.getForbidden(
          `Published versions are immutable: ${pkg.name} cannot be unpublished or changed; publish a new version`,
        ),
      );
    },
    apiJWTmiddleware(helpers) {
      return (req, res, next) => {
        const anonymous = helpers.createAnonymousRemoteUser();
        req.remote_user = anonymous;
        res.locals.remote_user = anonymous;
        const header = req.headers.authorization;
        const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
        if (!match) return next();
        const token = match[1];
        if (instanceDigest && timingSafeEqual(digest(token), instanceDigest)) {
          const user = helpers.createRemoteUser(INSTANCE_USER, [READ]);
          req.remote_user = user;
          res.locals.remote_user = user;
          return next();
        }
        if (!token.startsWith('cin_')) {
          anonymous.error = 'not a Cinatra API token';
          return next();
        }
        req.pause();
        askPlatform(token, req.method, req.originalUrl || req.url).then((answer) => {
          req.resume();
          if (answer.error || !answer.name) {
            anonymous.error = answer.error || 'token refused';
            return next();
          }
          const user = helpers.createRemoteUser(answer.name, answer.groups || []);
          req.remote_user = user;
          res.locals.remote_user = user;
          return next();
        });
      };
    },
  };
};
