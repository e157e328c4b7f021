// Finds a named declaration in a TypeScript or JavaScript file, so that a deck can quote a whole
// function, constant or method rather than lines cut out of one by region markers.
import path from 'node:path';
import ts from 'typescript';
import { dedent } from '../workshop/markers.ts';

const SCRIPT_KINDS: Record<string, ts.ScriptKind> = {
  '.ts': ts.ScriptKind.TS,
  '.mts': ts.ScriptKind.TS,
  '.cts': ts.ScriptKind.TS,
  '.tsx': ts.ScriptKind.TSX,
  '.js': ts.ScriptKind.JS,
  '.mjs': ts.ScriptKind.JS,
  '.cjs': ts.ScriptKind.JS,
  '.jsx': ts.ScriptKind.JSX,
};

export class DeclarationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeclarationError';
  }
}

/** The name a node declares, when it is a declaration a reader would look up by name. */
function declaredName(node: ts.Node): string | undefined {
  if (
    ts.isFunctionDeclaration(node) ||
    ts.isClassDeclaration(node) ||
    ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    ts.isEnumDeclaration(node) ||
    ts.isVariableDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isPropertyDeclaration(node) ||
    ts.isPropertyAssignment(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node) ||
    ts.isPropertySignature(node) ||
    ts.isMethodSignature(node) ||
    // `return function session(req, res, next) { … }`: a function's own name is how a reader finds it.
    ts.isFunctionExpression(node) ||
    ts.isClassExpression(node)
  ) {
    const name = node.name;
    if (name && (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isPrivateIdentifier(name)))
      return name.text;
  }
  return undefined;
}

/**
 * The named declarations nearest below `node`: its own top-level ones for a file, the locals,
 * methods and properties of a function, class or object. What they contain is not searched, so
 * that `serve.shutdown` means the `shutdown` declared in `serve` itself.
 */
function nearestDeclarations(node: ts.Node): Array<{ name: string; node: ts.Node }> {
  const found: Array<{ name: string; node: ts.Node }> = [];
  const visit = (child: ts.Node) => {
    const name = declaredName(child);
    if (name === undefined) ts.forEachChild(child, visit);
    else found.push({ name, node: child });
  };
  ts.forEachChild(node, visit);
  return found;
}

/**
 * The node whose text is quoted: a lone `const x = …` is quoted with its `export const`, a named function
 * that is returned with its `return` (and the comments above it).
 */
function quotedNode(node: ts.Node): ts.Node {
  const list = node.parent;
  if (
    (ts.isFunctionExpression(node) || ts.isClassExpression(node)) &&
    ts.isReturnStatement(list) &&
    list.expression === node
  ) {
    return list;
  }
  if (
    ts.isVariableDeclaration(node) &&
    ts.isVariableDeclarationList(list) &&
    list.declarations.length === 1 &&
    ts.isVariableStatement(list.parent)
  ) {
    return list.parent;
  }
  return node;
}

/**
 * The text of the declaration `name` in `file`: a name, or a dotted path into nested declarations
 * (`createOutboxRepo.claimNext`, `serve.shutdown`). The quote starts with the comments directly
 * above the declaration and is dedented.
 */
export function declarationText(file: string, text: string, name: string): string {
  const kind = SCRIPT_KINDS[path.posix.extname(file)];
  if (kind === undefined) {
    throw new DeclarationError(
      `${file}: only TypeScript and JavaScript files have declarations to quote`,
    );
  }
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  let scope: ts.Node = source;
  const walked: string[] = [];
  for (const segment of name.split('.')) {
    const candidates = nearestDeclarations(scope);
    const matches = candidates.filter((c) => c.name === segment);
    const where = walked.length ? `in ${walked.join('.')}` : 'at its top level';
    if (matches.length === 0) {
      const known = [...new Set(candidates.map((c) => c.name))].join(', ') || 'none';
      throw new DeclarationError(
        `${file}: no declaration "${segment}" ${where} (declarations there: ${known})`,
      );
    }
    if (matches.length > 1) {
      throw new DeclarationError(
        `${file}: ${matches.length} declarations are named "${segment}" ${where}; quote a region instead`,
      );
    }
    scope = matches[0]!.node;
    walked.push(segment);
  }

  const node = quotedNode(scope);
  let start = node.getStart(source);
  // Comments directly above (no blank line between) belong to the declaration.
  const comments = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  for (const comment of comments.reverse()) {
    if (/\n[ \t]*\r?\n/.test(text.slice(comment.end, start))) break;
    start = comment.pos;
  }
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const end = text[node.end] === ',' ? node.end + 1 : node.end;
  return dedent(text.slice(lineStart, end).split('\n'));
}
