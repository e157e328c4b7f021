// Step markers inside text files: which lines each step has, and the named regions that decks quote.
//
//   code(); // @step 2+          one line, from step 2 on
//   // @step 2+  …  // @end      a block, from step 2 on
//   // @step 2-4                 a block only in steps 2 to 4; in the source (the final step) its
//   //~ old();                   lines stay commented with `//~ ` and are uncommented for 2 to 4
//   // @end
//   // #region name … // #endregion   a region that a deck can quote; removed from every step
//
// Files whose comments start with `#` (Procfile, shell, YAML) use `# @step 2+` and `#~ ` the same way.

export class MarkerError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'MarkerError';
  }
}

export interface StepRange {
  since: number;
  until: number;
}

export interface ProcessedText {
  text: string;
  /** Region name → its lines in this step, dedented. */
  regions: Map<string, string>;
  /** Steps at which this file's content changes because of a marker. */
  changesAt: Set<number>;
}

const LINE_COMMENT: Array<[RegExp, string]> = [
  [/\.(ts|tsx|mts|cts|js|mjs|cjs|jsx)$/, '//'],
  [/(^|\/)(Procfile|\.env\.example|\.gitignore|\.npmrc)$|\.(sh|ya?ml|toml)$/, '#'],
];

/** The line-comment prefix of a file type, or undefined when it cannot hold markers. */
export function commentPrefixOf(path: string): string | undefined {
  return LINE_COMMENT.find(([pattern]) => pattern.test(path))?.[1];
}

const CLOSER: Record<string, string> = { '{': '}', '[': ']', '(': ')' };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

interface Syntax {
  block: RegExp;
  trailing: RegExp;
  end: RegExp;
  suspicious: RegExp;
  commented: RegExp;
  regionStart: RegExp;
  regionEnd: RegExp;
  commentedPrefix: string;
}

function syntaxFor(prefix: string): Syntax {
  const c = escape(prefix);
  return {
    block: new RegExp(`^\\s*${c}\\s*@step\\s+(\\S.*?)\\s*$`),
    trailing: new RegExp(`^(.*\\S)\\s*${c}\\s*@step\\s+(\\S.*?)\\s*$`),
    end: new RegExp(`^\\s*${c}\\s*@end\\s*$`),
    // Anything that looks like a marker but is not one is an error, never silently kept.
    suspicious: new RegExp(`${c}\\s*@(step|end)\\w*`),
    commented: new RegExp(`^(\\s*)${c}~ ?(.*)$`),
    regionStart: new RegExp(`^\\s*${c}\\s*#region\\s+([\\w-]+)\\s*$`),
    regionEnd: new RegExp(`^\\s*${c}\\s*#endregion\\b.*$`),
    commentedPrefix: `${prefix}~`,
  };
}

export function parseRange(spec: string): StepRange | undefined {
  const plus = /^(\d+)\+$/.exec(spec);
  if (plus) return { since: Number(plus[1]), until: Infinity };
  const range = /^(\d+)-(\d+)$/.exec(spec);
  if (range && Number(range[1]) <= Number(range[2])) {
    return { since: Number(range[1]), until: Number(range[2]) };
  }
  return undefined;
}

export function dedent(lines: string[]): string {
  const indents = lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

interface Block {
  range: StepRange;
  line: number;
  /** True when the body is kept commented in the source because it ends before the final step. */
  commented: boolean;
}

/**
 * Returns the text of `file` as step `step` has it. `finalStep` is the step the source itself is:
 * a block that ends before it must have a commented body, and one that reaches it a live body.
 */
export function processText(
  file: string,
  source: string,
  step: number,
  finalStep: number,
): ProcessedText {
  const prefix = commentPrefixOf(file);
  if (prefix === undefined) return { text: source, regions: new Map(), changesAt: new Set() };
  const syntax = syntaxFor(prefix);
  const lines = source.split('\n');
  const out: string[] = [];
  // Removing a block must not leave the blank lines around it doubled (or one after an opening
  // bracket), which the formatter of the generated step would reject.
  let removedSinceOutput = false;
  const emit = (line: string) => {
    const previous = out.at(-1);
    if (removedSinceOutput && line.trim() === '') {
      if (previous === undefined || previous.trim() === '' || /[{[(]\s*$/.test(previous)) return;
    }
    // A list whose every entry was removed closes on the line that opens it: `= {};`, not `= {\n};`.
    const opener = previous === undefined ? undefined : /[{[(]$/.exec(previous.trimEnd())?.[0];
    if (
      removedSinceOutput &&
      opener !== undefined &&
      line.trimStart().startsWith(CLOSER[opener]!)
    ) {
      out[out.length - 1] = previous!.trimEnd() + line.trimStart();
      removedSinceOutput = false;
      return;
    }
    out.push(line);
    removedSinceOutput = false;
  };
  const stack: Block[] = [];
  const regions = new Map<string, string>();
  const openRegions: Array<{ name: string; line: number; start: number }> = [];
  const seenRegions = new Set<string>();
  const changesAt = new Set<number>();

  const note = (range: StepRange) => {
    if (range.since > 1) changesAt.add(range.since);
    if (range.until < finalStep) changesAt.add(range.until + 1);
  };
  const check = (range: StepRange, lineNo: number) => {
    if (range.since < 1 || range.since > finalStep) {
      throw new MarkerError(
        file,
        lineNo,
        `step ${range.since} does not exist (steps are 1 to ${finalStep})`,
      );
    }
    if (range.until !== Infinity && range.until > finalStep) {
      throw new MarkerError(
        file,
        lineNo,
        `step ${range.until} does not exist (steps are 1 to ${finalStep})`,
      );
    }
    const outer = stack.at(-1);
    if (outer && (range.since < outer.range.since || range.until > outer.range.until)) {
      throw new MarkerError(file, lineNo, 'a nested @step block must narrow the block around it');
    }
  };

  const handle = (line: string, index: number): void => {
    const lineNo = index + 1;
    const visible = stack.every((b) => step >= b.range.since && step <= b.range.until);
    const insideCommented = stack.some((b) => b.commented);

    const block = syntax.block.exec(line);
    if (block) {
      const range = parseRange(block[1]!);
      if (!range)
        throw new MarkerError(
          file,
          lineNo,
          `unknown marker "@step ${block[1]}": use "@step N+" or "@step A-B"`,
        );
      check(range, lineNo);
      note(range);
      stack.push({ range, line: lineNo, commented: insideCommented || range.until < finalStep });
      return;
    }
    if (syntax.end.test(line)) {
      if (!stack.pop()) throw new MarkerError(file, lineNo, '@end without an open @step block');
      return;
    }
    const trailing = syntax.trailing.exec(line);
    if (trailing) {
      const range = parseRange(trailing[2]!);
      if (!range)
        throw new MarkerError(
          file,
          lineNo,
          `unknown marker "@step ${trailing[2]}": use "@step N+"`,
        );
      if (range.until !== Infinity) {
        throw new MarkerError(
          file,
          lineNo,
          'a marker at the end of a line takes "N+" only; use a block for "A-B"',
        );
      }
      check(range, lineNo);
      note(range);
      if (visible && step >= range.since) emit(uncomment(trailing[1]!, insideCommented, lineNo));
      return;
    }
    if (syntax.suspicious.test(line)) {
      throw new MarkerError(file, lineNo, `unknown marker: ${line.trim()}`);
    }
    const regionStart = syntax.regionStart.exec(line);
    if (regionStart) {
      const name = regionStart[1]!;
      if (seenRegions.has(name))
        throw new MarkerError(file, lineNo, `region "${name}" is defined twice`);
      seenRegions.add(name);
      openRegions.push({ name, line: lineNo, start: visible ? out.length : -1 });
      return;
    }
    if (syntax.regionEnd.test(line)) {
      const region = openRegions.pop();
      if (!region) throw new MarkerError(file, lineNo, '#endregion without a #region');
      if (region.start >= 0 && visible) regions.set(region.name, dedent(out.slice(region.start)));
      return;
    }
    if (!visible) return;
    emit(uncomment(line, insideCommented, lineNo));
  };
  lines.forEach((line, index) => {
    const before = out.length;
    handle(line, index);
    // Every line that does not reach the output (markers included) counts as removed; see emit().
    if (out.length === before) removedSinceOutput = true;
  });

  function uncomment(line: string, commented: boolean, lineNo: number): string {
    const match = syntax.commented.exec(line);
    if (commented) {
      if (match) return match[1]! + match[2]!;
      if (line.trim() === '') return line;
      throw new MarkerError(
        file,
        lineNo,
        `this block ends before step ${finalStep}, so its lines must start with "${syntax.commentedPrefix} "`,
      );
    }
    if (match) {
      throw new MarkerError(
        file,
        lineNo,
        `"${syntax.commentedPrefix}" is only allowed inside a block that ends before step ${finalStep}`,
      );
    }
    return line;
  }

  const open = stack.pop();
  if (open) throw new MarkerError(file, open.line, '@step block is never closed with @end');
  const region = openRegions.pop();
  if (region)
    throw new MarkerError(
      file,
      region.line,
      `region "${region.name}" is never closed with #endregion`,
    );
  return { text: out.join('\n'), regions, changesAt };
}
