// Baseline: node:http answering "Hello World" with nothing in between.
import { createServer } from 'node:http';

createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('Hello World');
}).listen(Number(process.env.PORT), () => console.log('listening'));
// Exits cleanly when the bench stops it, so that --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
