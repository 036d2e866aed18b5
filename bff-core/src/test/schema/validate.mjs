// Validates YAML files against a JSON Schema with ajv, as yaml-language-server would: prints one JSON line per file,
// { file, valid, errors: [{ path, message }] }. Usage: node validate.mjs SCHEMA FILE...
import Ajv from "ajv";
import yaml from "js-yaml";
import fs from "node:fs";

const [schemaFile, ...files] = process.argv.slice(2);
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, "utf8")));
for (const file of files) {
  const valid = validate(yaml.load(fs.readFileSync(file, "utf8")) ?? {});
  const errors = (validate.errors ?? []).map((e) => ({ path: e.instancePath, message: e.message, params: e.params }));
  console.log(JSON.stringify({ file, valid, errors }));
}
