// PII redaction in JSON response bodies: e-mail addresses and payment-card numbers (13-19 digits, single spaces or
// dashes between groups, Luhn-valid) inside JSON string VALUES are replaced with a mask; keys, numbers and
// non-JSON answers are left alone (see redactor.ts for the scanner and why keys are kept).
//
// Config (all optional): {"mask": "[redacted]", "email": true, "cards": true}
// Flow: a JSON answer (content-type application/json or */*+json, no content-encoding) loses its content-length in
// on_response_headers (the body's size changes), is buffered whole (StopIterationAndBuffer until end_of_stream)
// and rewritten once at the end. Counter metric pii_redactions counts masked values; one info line per rewrite.
export * from "../common/dispatch";
import { registerRoot, HttpFilter } from "../common/filter";
import { RootContext, Context, FilterHeadersStatusValues, FilterDataStatusValues, log, LogLevelValues }
  from "@solo-io/proxy-runtime";
import { getHeader, removeHeader, getBufferBytes, setBufferBytes, readConfiguration, defineCounter, incrementCounter,
  jsonEscape, RESPONSE_HEADERS, RESPONSE_BODY } from "../common/abi";
import { parseJson, JsonValue, BOOL, OBJECT, STRING } from "../common/json";
import { Redactor } from "./redactor";

class PiiRoot extends RootContext {
  // One redactor per instance: the host calls an instance from one thread, and its scratch buffers are reused.
  redactor: Redactor = new Redactor("[redacted]", true, true);
  metric: u32 = 0;

  createContext(context_id: u32): Context {
    return new PiiRedaction(context_id, this);
  }

  onConfigure(configuration_size: u32): bool {
    if (this.metric == 0) this.metric = defineCounter("pii_redactions");
    const text = readConfiguration(configuration_size);
    if (text.length == 0) return true;
    const cfg = parseJson(text);
    if (cfg === null || cfg.kind != OBJECT) return refuse("configuration is not a JSON object");
    let mask = "[redacted]";
    const m = cfg.get("mask");
    if (m !== null) {
      if (m.kind != STRING) return refuse("mask must be a string");
      mask = m.str;
    }
    const email = flag(cfg.get("email"));
    const cards = flag(cfg.get("cards"));
    if (email < 0 || cards < 0) return refuse("email and cards must be true or false");
    this.redactor = new Redactor(jsonEscape(mask), email == 1, cards == 1);
    return true;
  }
}

class PiiRedaction extends HttpFilter {
  json: bool = false;

  onResponseHeaders(headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    this.json = !end_of_stream && isJson(getHeader(RESPONSE_HEADERS, "content-type"))
      && getHeader(RESPONSE_HEADERS, "content-encoding") === null;
    if (this.json) removeHeader(RESPONSE_HEADERS, "content-length");
    return FilterHeadersStatusValues.Continue;
  }

  onResponseBody(body_buffer_length: usize, end_of_stream: bool): FilterDataStatusValues {
    if (!this.json) return FilterDataStatusValues.Continue;
    if (!end_of_stream) return FilterDataStatusValues.StopIterationAndBuffer;
    const root = this.root_context as PiiRoot;
    const size = <u32>body_buffer_length;
    const body = getBufferBytes(RESPONSE_BODY, 0, size);
    const r = root.redactor;
    const count = r.rewrite(changetype<usize>(body), body.byteLength);
    if (count < 0) {
      log(LogLevelValues.warn, "pii-redaction: the body is not JSON; left as it is (" + size.toString() + " bytes)");
    } else if (count > 0) {
      setBufferBytes(RESPONSE_BODY, 0, size, r.out.ptr(), r.out.length);
      incrementCounter(root.metric, count);
      log(LogLevelValues.info, "pii-redaction: masked " + count.toString() + " value(s) (" + r.emailCount.toString()
        + " e-mail, " + r.cardCount.toString() + " card) in a " + size.toString() + "-byte body");
    }
    return FilterDataStatusValues.Continue;
  }
}

/** application/json or any +json type (application/problem+json, application/vnd.x+json), parameters ignored. */
function isJson(contentType: string | null): bool {
  if (contentType === null) return false;
  let t = contentType.toLowerCase();
  const semi = t.indexOf(";");
  if (semi >= 0) t = t.substring(0, semi);
  t = t.trim();
  return t == "application/json" || (t.endsWith("+json") && t.indexOf("/") > 0);
}

/** 1 true, 0 false, -1 not a boolean; absent means true. */
function flag(v: JsonValue | null): i32 {
  if (v === null) return 1;
  if (v.kind != BOOL) return -1;
  return v.bool ? 1 : 0;
}

function refuse(why: string): bool {
  log(LogLevelValues.error, "pii-redaction: " + why);
  return false;
}

registerRoot((context_id: u32): RootContext => new PiiRoot(context_id));
