import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { JsonObject, JsonValue, OpenApiDocument } from '../src/http/openapiDocument.ts';

const documentId = 'https://sketchyaf.invalid/openapi.json';

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON pointer token: `/v1/events` → `~1v1~1events`. */
function token(part: string): string {
  return part.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * Checks bodies and headers against the document with ajv (JSON Schema
 * 2020-12, strict, formats checked): what a test sends or receives must be
 * what the document says, so the two cannot drift apart.
 */
export class OpenApiValidator {
  readonly #doc: OpenApiDocument;
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(doc: OpenApiDocument) {
    this.#doc = doc;
    this.#ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats.default(this.#ajv);
    // OpenAPI's own keywords: annotations for JSON Schema, and the document's top-level fields.
    for (const keyword of ['discriminator', ...Object.keys(doc)]) this.#ajv.addKeyword(keyword);
    this.#ajv.addSchema({ ...doc, $id: documentId });
  }

  /** Validates `value` against the schema at `pointer` in the document; the problems, or []. */
  problems(pointer: string, value: unknown): string[] {
    let validate = this.#compiled.get(pointer);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: `${documentId}#${pointer}` });
      this.#compiled.set(pointer, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword}`);
  }

  /** The component schema `name` accepts `value`: problems or []. */
  schemaProblems(name: string, value: unknown): string[] {
    return this.problems(`/components/schemas/${token(name)}`, value);
  }

  /** A request body sent to `method path`, per its requestBody schema. */
  requestProblems(method: string, path: string, body: unknown): string[] {
    const operation = this.#operation(method, path);
    if (!isObject(operation?.['requestBody'])) return [`${method} ${path}: no request body documented`];
    return this.problems(
      `/paths/${token(path)}/${method.toLowerCase()}/requestBody/content/${token('application/json')}/schema`,
      body,
    );
  }

  /**
   * A response of `method path`: its status must be documented for the
   * operation, its JSON body must match that response's schema, and every
   * header the response marks required must be present.
   */
  responseProblems(method: string, path: string, status: number, body: unknown, headers: Headers): string[] {
    const operation = this.#operation(method, path);
    if (!operation) return [`${method} ${path}: not in the document`];
    const responses = operation['responses'];
    const response = isObject(responses) ? responses[String(status)] : undefined;
    if (!isObject(response)) return [`${method} ${path}: status ${status} not documented`];
    const problems: string[] = [];
    for (const [name, value] of Object.entries(isObject(response['headers']) ? response['headers'] : {})) {
      const header = this.#resolve(value);
      if (header['required'] === true && !headers.has(name))
        problems.push(`${method} ${path} ${status}: header ${name} missing`);
    }
    const content = response['content'];
    if (isObject(content) && isObject(content['application/json'])) {
      const pointer = `/paths/${token(path)}/${method.toLowerCase()}/responses/${status}/content/${token('application/json')}/schema`;
      problems.push(...this.problems(pointer, body).map((p) => `${method} ${path} ${status}: body ${p}`));
    }
    return problems;
  }

  #operation(method: string, path: string): JsonObject | undefined {
    const item = this.#doc.paths[path];
    const operation = isObject(item) ? item[method.toLowerCase()] : undefined;
    return isObject(operation) ? operation : undefined;
  }

  #resolve(value: JsonValue): JsonObject {
    if (!isObject(value)) return {};
    const target = value['$ref'];
    if (typeof target !== 'string') return value;
    let node: JsonValue | undefined = this.#doc;
    for (const part of target.replace(/^#\//, '').split('/')) node = isObject(node) ? node[part] : undefined;
    return isObject(node) ? node : {};
  }
}
