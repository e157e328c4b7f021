// Baseline for a logged-in page: Express with the same clients as the app (node-redis, pg) and the same
// pool size, doing only the I/O such a page cannot avoid — one Redis GET (a session) and one row read
// by primary key — then a small page. The app's /me over this is what the app adds beyond that I/O.
import express from 'express';
import pg from 'pg';
import { createClient } from 'redis';

const redis = createClient({ url: process.env.REDIS_URL });
await redis.connect();
const key = `${process.env.REDIS_KEY_PREFIX ?? ''}bench:session`;
await redis.set(
  key,
  JSON.stringify({ cookie: { httpOnly: true }, user: { id: '1', displayName: 'B' } }),
);
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_MAX ?? 5),
});
const { rows } = await pool.query('select id from users order by id limit 1');
if (rows.length === 0) throw new Error('the bench database has no user yet');
const id = rows[0].id;

const app = express();
app.get('/', async (_req, res) => {
  const session = JSON.parse((await redis.get(key)) ?? '{}');
  const user = await pool.query(
    'select id, email, display_name, created_at from users where id = $1',
    [id],
  );
  res.send(`<p>Hello ${session.user.displayName}, ${user.rows[0].display_name}</p>`);
});
app.listen(Number(process.env.PORT), () => console.log('listening'));
// Exits cleanly when the bench stops it, so that --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
