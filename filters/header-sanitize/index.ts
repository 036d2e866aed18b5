// Request-header sanitization: removes configured headers, refuses (400, JSON body) a request that carries a
// denied header or a header value longer than the limit, and adds x-filter-route / x-filter-client from host
// properties (route_name, source.address) so tests can prove the properties are read.
//
// Config: {"remove": ["x-debug", "x-internal-*"], "deny": ["x-forbidden"], "maxValueLength": 4096}
// A trailing * makes a name a prefix. Names compare lower-case. Order per header: deny first (a denied header is
// refused even when it also matches remove), then remove (a removed header's length does not matter: it never
// goes upstream), then the length limit. Pseudo-headers (:path, ...), which some hosts list, are left alone.
export * from "../common/dispatch";
import { registerRoot, HttpFilter } from "../common/filter";
import { RootContext, Context, FilterHeadersStatusValues, stream_context, log, LogLevelValues } from "@solo-io/proxy-runtime";
import { getProperty, removeHeader, replaceHeader, readConfiguration, sendJsonResponse, jsonEscape,
  REQUEST_HEADERS } from "../common/abi";
import { parseJson, stringList, NUMBER, OBJECT } from "../common/json";

/** Exact names and prefixes (a pattern that ended in *). */
class NameSet {
  exact: Array<string> = new Array<string>();
  prefixes: Array<string> = new Array<string>();

  static of(patterns: Array<string>): NameSet {
    const s = new NameSet();
    for (let i = 0; i < patterns.length; i++) {
      const p = patterns[i].toLowerCase();
      if (p.endsWith("*")) s.prefixes.push(p.substring(0, p.length - 1));
      else s.exact.push(p);
    }
    return s;
  }

  has(name: string): bool {
    for (let i = 0; i < this.exact.length; i++) if (this.exact[i] == name) return true;
    for (let i = 0; i < this.prefixes.length; i++) if (name.startsWith(this.prefixes[i])) return true;
    return false;
  }
}

class SanitizeRoot extends RootContext {
  remove: NameSet = new NameSet();
  deny: NameSet = new NameSet();
  maxValueLength: i32 = 4096;

  createContext(context_id: u32): Context {
    return new Sanitize(context_id, this);
  }

  /** Reads the config; false (refused by the host) when it is not the documented shape. */
  onConfigure(configuration_size: u32): bool {
    const text = readConfiguration(configuration_size);
    if (text.length == 0) return true;
    const cfg = parseJson(text);
    if (cfg === null || cfg.kind != OBJECT) return this.refuse("configuration is not a JSON object");
    const remove = stringList(cfg.get("remove"));
    const deny = stringList(cfg.get("deny"));
    if (remove === null || deny === null) return this.refuse("remove and deny must be lists of header names");
    const max = cfg.get("maxValueLength");
    if (max !== null) {
      if (max.kind != NUMBER || max.num < 1 || max.num > 1048576) return this.refuse("maxValueLength must be 1..1048576");
      this.maxValueLength = <i32>max.num;
    }
    this.remove = NameSet.of(remove);
    this.deny = NameSet.of(deny);
    return true;
  }

  refuse(why: string): bool {
    log(LogLevelValues.error, "header-sanitize: " + why);
    return false;
  }
}

class Sanitize extends HttpFilter {
  onRequestHeaders(headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const root = this.root_context as SanitizeRoot;
    const pairs = stream_context.headers.request.get_headers();
    for (let i = 0; i < pairs.length; i++) {
      const name = String.UTF8.decode(pairs[i].key).toLowerCase();
      if (name.startsWith(":")) continue; // pseudo-headers (:path, :authority) are the request line, not headers
      if (root.deny.has(name)) return this.refuse("header " + name + " is not allowed");
      if (root.remove.has(name)) {
        removeHeader(REQUEST_HEADERS, name);
        continue;
      }
      if (pairs[i].value.byteLength > root.maxValueLength) {
        return this.refuse("header " + name + " is longer than " + root.maxValueLength.toString() + " bytes");
      }
    }
    replaceHeader(REQUEST_HEADERS, "x-filter-route", orEmpty(getProperty("route_name")));
    replaceHeader(REQUEST_HEADERS, "x-filter-client", orEmpty(getProperty("source.address")));
    return FilterHeadersStatusValues.Continue;
  }

  refuse(message: string): FilterHeadersStatusValues {
    sendJsonResponse(400, "header_refused",
      '{"error":{"status":400,"code":"header_refused","message":"' + jsonEscape(message) + '"}}');
    return FilterHeadersStatusValues.StopIteration;
  }
}

function orEmpty(s: string | null): string {
  return s === null ? "" : s;
}

registerRoot((context_id: u32): RootContext => new SanitizeRoot(context_id));
