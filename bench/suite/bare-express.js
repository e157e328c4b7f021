// Baseline: Express 5's hello world, the yardstick every target of the suite is a ratio of.
import express from 'express';

const app = express();
app.get('/', (_req, res) => {
  res.send('Hello World');
});
app.listen(Number(process.env.PORT), () => console.log('listening'));
// Exits cleanly when the bench stops it, so that --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
