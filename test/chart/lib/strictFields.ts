// Unknown-field check: schema validation of kubernetes-models accepts any
// extra property (a misspelled `livenessProbes` passes), so every field of
// an object is looked up in the TypeScript interface of its kind, as the
// API server's strict field validation would.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { kindKey, kinds } from './kinds.ts';

const virtualFile = fileURLToPath(new URL('./__kinds__.ts', import.meta.url));

function virtualSource(): string {
  const imports = kinds.map((k, i) => `import type { I${k.kind} as T${i} } from '${k.module}';`);
  const fields = kinds.map((k, i) => `  '${kindKey(k.apiVersion, k.kind)}': T${i};`);
  return `${imports.join('\n')}\nexport interface Kinds {\n${fields.join('\n')}\n}\n`;
}

interface Checker {
  checker: ts.TypeChecker;
  types: Map<string, ts.Type>;
}

let loaded: Checker | undefined;

function load(): Checker {
  if (loaded) return loaded;
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const source = virtualSource();
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, onError, create) =>
    name === virtualFile
      ? ts.createSourceFile(name, source, language)
      : getSourceFile(name, language, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === virtualFile || fileExists(name);
  const program = ts.createProgram([virtualFile], options, host);
  const problems = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === virtualFile);
  if (problems.length > 0)
    throw new Error(problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'));
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(virtualFile);
  const decl = file?.statements.find(ts.isInterfaceDeclaration);
  if (!decl) throw new Error('the virtual Kinds interface is missing');
  const types = new Map<string, ts.Type>();
  for (const prop of checker.getTypeAtLocation(decl).getProperties()) {
    types.set(prop.name, checker.getTypeOfSymbol(prop));
  }
  loaded = { checker, types };
  return loaded;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function walk(value: unknown, type: ts.Type, path: string, c: Checker, problems: string[]): void {
  const { checker } = c;
  if (value === null || typeof value !== 'object') return;
  const members = (type.isUnion() ? type.types : [type]).map((t) => checker.getNonNullableType(t));
  if (members.some((t) => t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) return;
  if (Array.isArray(value)) {
    const array = members.find((t) => checker.isArrayType(t));
    const element = array ? checker.getTypeArguments(array as ts.TypeReference)[0] : undefined;
    if (!element) {
      problems.push(`${path}: an array where the schema has none`);
      return;
    }
    value.forEach((item, i) => {
      walk(item, element, `${path}[${i}]`, c, problems);
    });
    return;
  }
  if (!isRecord(value)) return;
  const objects = members.filter((t) => t.flags & ts.TypeFlags.Object && !checker.isArrayType(t));
  if (objects.length === 0) {
    problems.push(`${path}: an object where the schema has none`);
    return;
  }
  const index = objects.map((t) => checker.getIndexInfoOfType(t, ts.IndexKind.String)).find((x) => x);
  // An empty interface says nothing about its fields (e.g. JSONSchemaPropsOrArray, a schema or a list of
  // them): nothing to check here; test/chart/crds.test.ts checks the CRD schemas themselves.
  if (!index && objects.every((t) => checker.getPropertiesOfType(t).length === 0)) return;
  for (const [key, child] of Object.entries(value)) {
    const prop = objects.map((t) => checker.getPropertyOfType(t, key)).find((p) => p);
    if (prop) walk(child, checker.getTypeOfSymbol(prop), `${path}.${key}`, c, problems);
    else if (index) walk(child, index.type, `${path}.${key}`, c, problems);
    else problems.push(`${path}.${key}: unknown field`);
  }
}

/** Fields of `object` that its kind does not define, as `.spec.foo: unknown field`. */
export function unknownFields(object: { apiVersion: string; kind: string }): string[] {
  const c = load();
  const type = c.types.get(kindKey(object.apiVersion, object.kind));
  if (!type) return [`no schema for ${object.apiVersion} ${object.kind}`];
  const problems: string[] = [];
  walk(object, type, '', c, problems);
  return problems;
}
