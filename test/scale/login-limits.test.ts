// Who the login limits stop: guessing from one address or from many, but never the owner, who logs in
// from an address of their own; and an IPv6 network counts as one address.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Express } from 'express';
import request from 'supertest';
import { networkOf } from '../../src/platform/rate-limits.ts';
import { buildTestApp } from '../support/app.ts';
import { agent, signUp, tokenIn, type Agent } from '../support/forms.ts';

let app: Express;
before(async () => {
  ({ app } = await buildTestApp());
});

/** A browser whose requests the router reports as coming from `address`. */
const from = (address: string): Agent => request.agent(app).set('X-Forwarded-For', address);

async function logIn(client: Agent, email: string, password: string) {
  const form = await client.get('/login').expect(200);
  const answer = await client
    .post('/login')
    .type('form')
    .send({ email, password, _csrf: tokenIn(form.text) });
  return `${answer.status} ${/Too many login attempts[^.]*\./.exec(answer.text)?.[0] ?? ''}`.trim();
}

async function member(email: string) {
  await signUp(agent(app), { email, displayName: 'Owner', password: 'the right password' });
}

test('ten wrong passwords from ten other addresses do not lock the owner out', async () => {
  const email = 'owner@example.com';
  await member(email);
  for (let i = 1; i <= 10; i++) {
    assert.equal(await logIn(from(`203.0.113.${i}`), email, `guess ${i}`), '401');
  }
  assert.equal(await logIn(from('198.51.100.7'), email, 'the right password'), '303');
});

test('past the account’s ceiling, a stranger gets one try from each new address, and no second', async () => {
  const email = 'guessed@example.com';
  await member(email);
  for (let i = 1; i <= 10; i++) await logIn(from(`203.0.113.${20 + i}`), email, `guess ${i}`);
  const fresh = from('203.0.113.99');
  assert.equal(await logIn(fresh, email, 'guess 11'), '401');
  assert.equal(
    await logIn(fresh, email, 'guess 12'),
    '429 Too many login attempts for this account.',
  );
  // An address that guessed before the ceiling has no try left past it either.
  assert.equal(
    await logIn(from('203.0.113.21'), email, 'guess 13'),
    '429 Too many login attempts for this account.',
  );
});

test('ten wrong passwords from one address stop that address for the account, not the owner elsewhere', async () => {
  const email = 'targeted@example.com';
  await member(email);
  const guesser = from('192.0.2.50');
  for (let i = 1; i <= 10; i++) assert.equal(await logIn(guesser, email, `guess ${i}`), '401');
  assert.equal(
    await logIn(guesser, email, 'the right password'),
    '429 Too many login attempts for this account.',
  );
  assert.equal(await logIn(from('192.0.2.51'), email, 'the right password'), '303');
});

test('every address of one IPv6 /64 shares one count; the next /64 has its own', async () => {
  const statuses: string[] = [];
  for (let i = 1; i <= 31; i++) {
    // Another address of the same network each time, as a script with a /64 of its own can use.
    const address = `2001:db8:5:6:${i.toString(16)}:0:0:${(i * 7).toString(16)}`;
    statuses.push(await logIn(from(address), `nobody-${i}@example.com`, 'guess'));
  }
  assert.deepEqual(statuses, [
    ...Array<string>(30).fill('401'),
    '429 Too many login attempts from your network.',
  ]);
  assert.equal(await logIn(from('2001:db8:5:7::1'), 'nobody@example.com', 'guess'), '401');
});

test('an address names its network: IPv4 as it is, IPv4 over IPv6 as IPv4, IPv6 by its /64', () => {
  assert.equal(networkOf('203.0.113.7'), '203.0.113.7');
  assert.equal(networkOf('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(networkOf('2001:db8:5:6:a:b:c:d'), '2001:db8:5:6::/64');
  assert.equal(networkOf('2001:DB8:5:6::1'), '2001:db8:5:6::/64');
  assert.equal(networkOf('::1'), '::/64');
  assert.equal(networkOf('unknown'), 'unknown');
});
