// The production confirmation: the user types the app's name, as Heroku's own --confirm asks.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { DeployFailure, NOTHING_CHANGED } from './output.ts';

export interface Input {
  readonly stream: Readable;
  readonly isTTY: boolean;
}

export async function confirmApp(
  input: Input,
  write: (text: string) => void,
  app: string,
  action: string,
): Promise<void> {
  if (!input.isTTY)
    throw new DeployFailure(
      `${action} needs the app's name typed in a terminal, and standard input is not one`,
      NOTHING_CHANGED,
      ['run it in a terminal, or add --yes where no one can type (CI)'],
    );
  write(`Type the app's name (${app}) to ${action}: `);
  const answer = await readLine(input.stream);
  if (answer.trim() !== app)
    throw new DeployFailure(`"${answer.trim()}" is not ${app}: stopped`, NOTHING_CHANGED, [
      'run the command again and type the name exactly',
    ]);
}

/** The next line typed, or '' when the input ends first. */
export function readLine(stream: Readable): Promise<string> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: stream, terminal: false });
    let answered = false;
    lines.once('line', (line) => {
      answered = true;
      lines.close();
      resolve(line);
    });
    lines.once('close', () => {
      if (!answered) resolve('');
    });
  });
}
