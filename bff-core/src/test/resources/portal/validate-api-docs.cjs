// Validates the API documents of a running BFF with npm's tools (run by ApiDocsValidatorsTest):
//   node validate-api-docs.cjs openapi.json schema.graphql answers.json
// - openapi.json: @apidevtools/swagger-parser (OpenAPI 3.1 schema + semantic checks: path parameters, refs, ids);
// - schema.graphql: graphql-js buildSchema + validateSchema;
// - answers.json: {"good": {component: answer}, "bad": {component: answer}}; every good answer must validate
//   against #/components/schemas/<component> with ajv (JSON Schema 2020-12) and every bad one must not.
const fs = require('fs');
const SwaggerParser = require('@apidevtools/swagger-parser');
const { buildSchema, validateSchema } = require('graphql');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');

(async () => {
  const [docPath, sdlPath, answersPath] = process.argv.slice(2);
  const doc = JSON.parse(fs.readFileSync(docPath, 'utf8'));
  await SwaggerParser.validate(JSON.parse(JSON.stringify(doc))); // it dereferences its argument in place
  const schema = buildSchema(fs.readFileSync(sdlPath, 'utf8'));
  const problems = validateSchema(schema);
  if (problems.length) throw new Error('SDL: ' + problems.map(String).join('; '));
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const id = 'https://bff.invalid/openapi.json';
  ajv.addSchema({ $id: id, components: doc.components });
  const answers = JSON.parse(fs.readFileSync(answersPath, 'utf8'));
  for (const [component, answer] of Object.entries(answers.good)) {
    if (!ajv.validate({ $ref: id + '#/components/schemas/' + component }, answer)) {
      throw new Error(component + ' refuses a real answer: ' + ajv.errorsText(ajv.errors));
    }
  }
  for (const [component, answer] of Object.entries(answers.bad)) {
    if (ajv.validate({ $ref: id + '#/components/schemas/' + component }, answer)) {
      throw new Error(component + ' accepts a wrong answer: ' + JSON.stringify(answer));
    }
  }
  console.log('OK openapi=' + doc.openapi + ' paths=' + Object.keys(doc.paths).length
      + ' types=' + Object.keys(schema.getTypeMap()).length + ' answers=' + Object.keys(answers.good).length);
})().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
