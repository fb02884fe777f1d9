/**
 * A Redis of a test's own: started on a free port (nothing kept on disk, so a restart comes back
 * empty) and killed by the test, for outages that must not touch the shared Redis on 6379.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now. */
export const freePort = () =>
  new Promise<number>((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });

/**
 * Starts `redis-server` on `port` (no persistence, plus `args`) and resolves once it listens.
 * @throws when it is not listening within ~5 s
 */
export async function startRedis(port: number, args: string[] = []): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((res) => {
      const s = createServer();
      s.once('error', () => res(true)); // port taken: redis is listening
      s.listen(port, '127.0.0.1', () => s.close(() => res(false)));
    });
    if (up) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start');
}
