// A/B routing decision by cookie. A request whose cookie names a valid variant (a|b) keeps it; any other request
// gets one picked from a hash of its x-request-id (stable for that request, so a retry lands on the same variant)
// and the answer sets the cookie, so the client stays on it. The request header (x-bff-variant by default) is
// always set to the decision, overwriting a client-sent one; the route's content rules match on it, e.g.
//   rules: [{match: [{header: x-bff-variant, value: b}], subset: {version: v2}}]
//
// Config: {"cookie": "bff-ab", "header": "x-bff-variant", "percentB": 50}
export * from "../common/dispatch";
import { registerRoot, HttpFilter } from "../common/filter";
import { RootContext, Context, FilterHeadersStatusValues, stream_context, log, LogLevelValues } from "@solo-io/proxy-runtime";
import { addHeader, getProperty, replaceHeader, readConfiguration, REQUEST_HEADERS, RESPONSE_HEADERS }
  from "../common/abi";
import { parseJson, NUMBER, OBJECT, STRING } from "../common/json";

const COOKIE_ATTRIBUTES = "; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax"; // 30 days

class AbRoot extends RootContext {
  cookie: string = "bff-ab";
  header: string = "x-bff-variant";
  percentB: u32 = 50;

  createContext(context_id: u32): Context {
    return new AbRouting(context_id, this);
  }

  onConfigure(configuration_size: u32): bool {
    const text = readConfiguration(configuration_size);
    if (text.length == 0) return true;
    const cfg = parseJson(text);
    if (cfg === null || cfg.kind != OBJECT) return refuse("configuration is not a JSON object");
    const cookie = cfg.get("cookie");
    if (cookie !== null) {
      if (cookie.kind != STRING || !isToken(cookie.str)) return refuse("cookie must be a cookie name");
      this.cookie = cookie.str;
    }
    const header = cfg.get("header");
    if (header !== null) {
      if (header.kind != STRING || !isToken(header.str)) return refuse("header must be a header name");
      this.header = header.str.toLowerCase();
    }
    const percent = cfg.get("percentB");
    if (percent !== null) {
      if (percent.kind != NUMBER || percent.num < 0 || percent.num > 100 || percent.num != Math.floor(percent.num)) {
        return refuse("percentB must be a whole number 0..100");
      }
      this.percentB = <u32>percent.num;
    }
    return true;
  }
}

class AbRouting extends HttpFilter {
  /** The variant picked for this request when its cookie had none; "" when the cookie decided. */
  picked: string = "";

  onRequestHeaders(headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const root = this.root_context as AbRoot;
    let variant = cookieVariant(root.cookie);
    if (variant.length == 0) {
      variant = bucket(requestId()) < root.percentB ? "b" : "a";
      this.picked = variant;
    }
    replaceHeader(REQUEST_HEADERS, root.header, variant);
    return FilterHeadersStatusValues.Continue;
  }

  onResponseHeaders(headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    if (this.picked.length != 0) {
      const root = this.root_context as AbRoot;
      addHeader(RESPONSE_HEADERS, "set-cookie", root.cookie + "=" + this.picked + COOKIE_ATTRIBUTES);
    }
    return FilterHeadersStatusValues.Continue;
  }
}

/** "a" or "b" from the request's cookie headers (HTTP/2 may send several), "" when absent or not a variant. */
function cookieVariant(name: string): string {
  const pairs = stream_context.headers.request.get_headers();
  for (let i = 0; i < pairs.length; i++) {
    if (String.UTF8.decode(pairs[i].key).toLowerCase() != "cookie") continue;
    const crumbs = String.UTF8.decode(pairs[i].value).split(";");
    for (let j = 0; j < crumbs.length; j++) {
      const crumb = crumbs[j].trim();
      const eq = crumb.indexOf("=");
      if (eq < 0 || crumb.substring(0, eq).trim() != name) continue;
      // The first occurrence decides (RFC 6265: the most specific path comes first); an invalid value means none.
      const v = crumb.substring(eq + 1).trim();
      return v == "a" || v == "b" ? v : "";
    }
  }
  return "";
}

/** The request's id: the x-request-id header, else the host's request.id property, else "". */
function requestId(): string {
  const pairs = stream_context.headers.request.get_headers();
  for (let i = 0; i < pairs.length; i++) {
    if (String.UTF8.decode(pairs[i].key).toLowerCase() == "x-request-id") return String.UTF8.decode(pairs[i].value);
  }
  const id = getProperty("request.id");
  return id === null ? "" : id;
}

/** 0..99 from FNV-1a (32 bit) over the id's UTF-8 bytes: cheap, stable, and spreads short ids evenly enough. */
function bucket(id: string): u32 {
  const bytes = Uint8Array.wrap(String.UTF8.encode(id));
  let h: u32 = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h *= 0x01000193;
  }
  return h % 100;
}

/** An RFC 7230 token (header and cookie names). */
function isToken(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || "!#$%&'*+-.^_`|~".indexOf(String.fromCharCode(c)) >= 0;
    if (!ok) return false;
  }
  return true;
}

function refuse(why: string): bool {
  log(LogLevelValues.error, "ab-routing: " + why);
  return false;
}

registerRoot((context_id: u32): RootContext => new AbRoot(context_id));
