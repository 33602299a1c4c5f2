// What a source file imports, read with the TypeScript parser rather than a
// regex so that comments, strings and multi-line statements cannot fool it.
import ts from 'typescript';

export interface ImportRef {
  /** The module specifier as written: `pg`, `node:fs`, `./x.ts`. */
  specifier: string;
  /** Erased at run time (`import type`, `export type`, `typeof import()`): `@types/…` can satisfy it. */
  typeOnly: boolean;
  /** Imported names (`default` for a default import), or `*` for a namespace, re-export-all or dynamic import. */
  names: readonly string[] | '*';
}

function scriptKindOf(fileName: string): ts.ScriptKind {
  if (/\.[cm]?js$/.test(fileName)) return ts.ScriptKind.JS;
  return fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
}

function importClauseRef(specifier: string, clause: ts.ImportClause | undefined): ImportRef {
  if (clause === undefined) return { specifier, typeOnly: false, names: [] }; // side-effect import
  const typeClause = clause.phaseModifier === ts.SyntaxKind.TypeKeyword;
  const bindings = clause.namedBindings;
  if (bindings !== undefined && ts.isNamespaceImport(bindings))
    return { specifier, typeOnly: typeClause, names: '*' };
  const elements = bindings?.elements ?? [];
  const names = [
    ...(clause.name === undefined ? [] : ['default']),
    ...elements.map((e) => (e.propertyName ?? e.name).text),
  ];
  const everyNameIsType =
    clause.name === undefined && elements.length > 0 && elements.every((e) => e.isTypeOnly);
  return { specifier, typeOnly: typeClause || everyNameIsType, names };
}

function exportRef(specifier: string, node: ts.ExportDeclaration): ImportRef {
  const clause = node.exportClause;
  if (clause === undefined || ts.isNamespaceExport(clause))
    return { specifier, typeOnly: node.isTypeOnly, names: '*' };
  const names = clause.elements.map((e) => (e.propertyName ?? e.name).text);
  const everyNameIsType = clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
  return { specifier, typeOnly: node.isTypeOnly || everyNameIsType, names };
}

function literalArgument(node: ts.CallExpression): string | undefined {
  const [first] = node.arguments;
  return first !== undefined && ts.isStringLiteralLike(first) ? first.text : undefined;
}

/** Every import, re-export, dynamic `import()`, `require()` and `import('x')` type in one file. */
export function importsOf(fileName: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, scriptKindOf(fileName));
  const refs: ImportRef[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      refs.push(importClauseRef(node.moduleSpecifier.text, node.importClause));
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      refs.push(exportRef(node.moduleSpecifier.text, node));
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      refs.push({ specifier: node.moduleReference.expression.text, typeOnly: node.isTypeOnly, names: '*' });
    } else if (ts.isCallExpression(node)) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      const specifier = literalArgument(node);
      if ((isImport || isRequire) && specifier !== undefined)
        refs.push({ specifier, typeOnly: false, names: '*' });
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      refs.push({ specifier: node.argument.literal.text, typeOnly: true, names: '*' });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return refs;
}
