// graphql-codegen's own API (as its CLI runs it): TypeScript types for the schema and the operations that
// `java -jar bff.jar --export DIR` wrote. Usage: node codegen.mjs DIR OUT.ts
import { codegen } from "@graphql-codegen/core";
import * as typescript from "@graphql-codegen/typescript";
import * as typescriptOperations from "@graphql-codegen/typescript-operations";
import { parse } from "graphql";
import fs from "node:fs";
import path from "node:path";

const [dir, out] = process.argv.slice(2);
const documents = fs.readdirSync(path.join(dir, "operations")).sort().map((f) => ({
  location: f,
  document: parse(fs.readFileSync(path.join(dir, "operations", f), "utf8")),
}));
const output = await codegen({
  filename: out,
  schema: parse(fs.readFileSync(path.join(dir, "schema.graphql"), "utf8")),
  documents,
  config: { scalars: { JSON: "unknown" }, avoidOptionals: false },
  plugins: [{ typescript: {} }, { typescriptOperations: {} }],
  pluginMap: { typescript, typescriptOperations },
});
fs.writeFileSync(out, output);
