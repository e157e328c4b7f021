// The stand-in for Heroku's Key-Value Store: a real redis-server on a free port, nothing kept on disk.
// Without one installed, the app keeps sessions and counters in each process's memory, and we say so.
import type { StandIn } from '../stand-ins.ts';

export const redis: StandIn = {
  name: 'redis',
  envVar: 'REDIS_URL',
  async whyUnavailable() {
    const { findRedisServer } = await import('../redis-server.ts');
    if ((await findRedisServer()) !== undefined) return undefined;
    return (
      'redis-server is not installed, so sessions and rate limits stay in each process, lost at ' +
      'every restart and not shared by --scale web=2. To share them, install Redis ' +
      '(apt install redis-server, or brew install redis) and start again.'
    );
  },
  async start() {
    const { startLocalRedis } = await import('../redis-server.ts');
    const server = await startLocalRedis();
    let stopping = false;
    return {
      url: server.url,
      info: `redis-server ${server.version}, in memory only: a restart logs everyone out`,
      lost: new Promise((resolve) => {
        void server.exited.then(({ code, signal }) => {
          if (stopping) return;
          resolve(
            `redis-server ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`,
          );
        });
      }),
      stop: () => {
        stopping = true;
        return server.stop();
      },
    };
  },
};
