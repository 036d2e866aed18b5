// Validates rendered Kubernetes objects offline, as the API server's schema check would: prints one JSON line per
// object, { file, index, apiVersion, kind, name, valid, errors: [string] }. Usage: node validate.mjs FILE...
//
// kubernetes-models' validators (ajv, compiled from the Kubernetes OpenAPI schemas) check types, enums and required
// fields but accept unknown fields, so a typo (readinesProbe) would pass. The strict check below uses the same
// validators as the oracle of which fields exist: it runs them on a Proxy that records every property they read.
// A compiled validator reads each property its schema declares (`data.x !== undefined`) and enumerates the keys of
// maps (labels, data); so in an object it read from but did not enumerate, a key it never read is unknown to the
// schema. An object it neither read nor enumerated is free-form (x-kubernetes-preserve-unknown-fields): skipped.
import * as core from "kubernetes-models/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as autoscaling from "kubernetes-models/autoscaling/v2";
import * as policy from "kubernetes-models/policy/v1";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import yaml from "js-yaml";
import fs from "node:fs";

// Every model of the API groups deploy/ may use, by "apiVersion kind".
const MODELS = new Map();
for (const group of [core, apps, autoscaling, policy, networking, monitoring]) {
  for (const model of Object.values(group)) {
    if (typeof model === "function" && model.apiVersion && model.kind) MODELS.set(`${model.apiVersion} ${model.kind}`, model);
  }
}

/** The validator's reads, per object: a Proxy per object (cached, so repeated reads accumulate). */
function tracked(root) {
  const seen = new Map(); // target -> { path, read: Set, enumerated }
  const proxies = new WeakMap();
  const wrap = (value, path) => {
    if (value === null || typeof value !== "object") return value;
    if (proxies.has(value)) return proxies.get(value);
    const info = { path, read: new Set(), enumerated: false };
    seen.set(value, info);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver);
        if (typeof key !== "string" || !Object.hasOwn(target, key)) {
          if (typeof key === "string" && !Array.isArray(target)) info.read.add(key);
          return v;
        }
        info.read.add(key);
        return wrap(v, `${path}/${key}`);
      },
      has(target, key) { if (typeof key === "string") info.read.add(key); return Reflect.has(target, key); },
      ownKeys(target) { info.enumerated = true; return Reflect.ownKeys(target); },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  return { proxy: wrap(root, ""), seen };
}

function unknownFields(seen) {
  const unknown = [];
  for (const [obj, info] of seen) {
    if (Array.isArray(obj) || info.enumerated || info.read.size === 0) continue;
    for (const key of Object.keys(obj)) if (!info.read.has(key)) unknown.push(`${info.path}/${key}: unknown field`);
  }
  return unknown;
}

function validate(obj) {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return ["not an object"];
  const model = MODELS.get(`${obj.apiVersion} ${obj.kind}`);
  if (!model) return [`no schema for apiVersion ${obj.apiVersion}, kind ${obj.kind}`];
  const { proxy, seen } = tracked(obj);
  const errors = [];
  try {
    model.prototype.validate.call(proxy); // the model's own validator, on the object as written (no copy)
  } catch (e) {
    errors.push(...(e.errors ?? [{ message: e.message }]).map((x) => `${x.instancePath ?? ""} ${x.message}`.trim()));
  }
  return [...errors, ...unknownFields(seen)];
}

for (const file of process.argv.slice(2)) {
  yaml.loadAll(fs.readFileSync(file, "utf8")).forEach((obj, index) => {
    if (obj == null) return;
    // kustomize wraps a ConfigMap's binaryData at 76 columns; the API server's base64 decoding (Go's encoding/base64)
    // ignores the line breaks, the schema's "byte" format does not: validate the value as the server reads it.
    if (obj?.kind === "ConfigMap" && obj.binaryData) {
      for (const k of Object.keys(obj.binaryData)) obj.binaryData[k] = String(obj.binaryData[k]).replace(/[\r\n]/g, "");
    }
    const errors = validate(obj);
    console.log(JSON.stringify({ file, index, apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata?.name,
      valid: errors.length === 0, errors }));
  });
}
