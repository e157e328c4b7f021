// The production confirmation: the user types the database's name, as the deploy tool asks for the app's.
import { readLine, type Input } from '../deploy/confirm.ts';

export type { Input };

/** Undefined once the name was typed; otherwise why the command stops, with what to do. */
export async function confirmDatabase(
  input: Input,
  write: (text: string) => void,
  database: string,
  action: string,
): Promise<string | undefined> {
  if (!input.isTTY) {
    return (
      'standard input is not a terminal to type its name in: run it in a terminal, or add --yes ' +
      'where no one can type (CI)'
    );
  }
  write(`Type the database's name (${database}) to ${action}: `);
  const answer = (await readLine(input.stream)).trim();
  if (answer !== database) {
    return `"${answer}" is not ${database}: run the command again and type the name exactly`;
  }
  return undefined;
}
