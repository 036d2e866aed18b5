// A small JSON reader for plugin configuration (the host passes an object as JSON text). Configurations are tiny
// and read once per configure, so this favours clarity over speed; the PII filter's body scanner is separate.

export const NULL: i32 = 0;
export const BOOL: i32 = 1;
export const NUMBER: i32 = 2;
export const STRING: i32 = 3;
export const ARRAY: i32 = 4;
export const OBJECT: i32 = 5;

export class JsonValue {
  kind: i32 = NULL;
  bool: bool = false;
  num: f64 = 0;
  str: string = "";
  items: Array<JsonValue> = new Array<JsonValue>();
  keys: Array<string> = new Array<string>();

  /** A member of an object, or null when absent (or when this is not an object). */
  get(key: string): JsonValue | null {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] == key) return this.items[i];
    return null;
  }
}

class Reader {
  s: string;
  i: i32 = 0;
  failed: bool = false;

  constructor(s: string) { this.s = s; }

  fail(): JsonValue {
    this.failed = true;
    return new JsonValue();
  }

  skipSpace(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      this.i++;
    }
  }

  value(depth: i32): JsonValue {
    if (depth > 32) return this.fail();
    this.skipSpace();
    if (this.i >= this.s.length) return this.fail();
    const c = this.s.charCodeAt(this.i);
    const v = new JsonValue();
    if (c == 0x7b) { // {
      v.kind = OBJECT;
      this.i++;
      this.skipSpace();
      if (this.peek() == 0x7d) { this.i++; return v; }
      while (!this.failed) {
        this.skipSpace();
        if (this.peek() != 0x22) return this.fail();
        const k = this.string();
        this.skipSpace();
        if (this.peek() != 0x3a) return this.fail();
        this.i++;
        v.keys.push(k);
        v.items.push(this.value(depth + 1));
        this.skipSpace();
        const d = this.peek();
        this.i++;
        if (d == 0x7d) return v;
        if (d != 0x2c) return this.fail();
      }
      return v;
    }
    if (c == 0x5b) { // [
      v.kind = ARRAY;
      this.i++;
      this.skipSpace();
      if (this.peek() == 0x5d) { this.i++; return v; }
      while (!this.failed) {
        v.items.push(this.value(depth + 1));
        this.skipSpace();
        const d = this.peek();
        this.i++;
        if (d == 0x5d) return v;
        if (d != 0x2c) return this.fail();
      }
      return v;
    }
    if (c == 0x22) {
      v.kind = STRING;
      v.str = this.string();
      return v;
    }
    if (this.word("true")) { v.kind = BOOL; v.bool = true; return v; }
    if (this.word("false")) { v.kind = BOOL; return v; }
    if (this.word("null")) return v;
    const start = this.i;
    while (this.i < this.s.length) {
      const d = this.s.charCodeAt(this.i);
      if (!((d >= 0x30 && d <= 0x39) || d == 0x2d || d == 0x2b || d == 0x2e || d == 0x65 || d == 0x45)) break;
      this.i++;
    }
    if (this.i == start) return this.fail();
    v.kind = NUMBER;
    v.num = parseFloat(this.s.substring(start, this.i));
    if (isNaN(v.num)) return this.fail();
    return v;
  }

  peek(): i32 {
    return this.i < this.s.length ? this.s.charCodeAt(this.i) : -1;
  }

  word(w: string): bool {
    if (this.s.substr(this.i, w.length) != w) return false;
    this.i += w.length;
    return true;
  }

  /** A string literal starting at the opening quote; escapes decoded. */
  string(): string {
    this.i++;
    let out = "";
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i++);
      if (c == 0x22) return out;
      if (c != 0x5c) { out += String.fromCharCode(c); continue; }
      if (this.i >= this.s.length) break;
      const e = this.s.charCodeAt(this.i++);
      if (e == 0x6e) out += "\n";
      else if (e == 0x74) out += "\t";
      else if (e == 0x72) out += "\r";
      else if (e == 0x62) out += "\b";
      else if (e == 0x66) out += "\f";
      else if (e == 0x75) {
        if (this.i + 4 > this.s.length) break;
        const code = parseInt(this.s.substr(this.i, 4), 16);
        if (isNaN(code)) break;
        out += String.fromCharCode(<i32>code);
        this.i += 4;
      } else out += String.fromCharCode(e); // \" \\ \/
    }
    this.failed = true;
    return out;
  }
}

/** The parsed value, or null when the text is not JSON. */
export function parseJson(text: string): JsonValue | null {
  const r = new Reader(text);
  const v = r.value(0);
  r.skipSpace();
  if (r.failed || r.i != text.length) return null;
  return v;
}

/** A config value as a string list: a list of strings, or one string; null when it is something else. */
export function stringList(v: JsonValue | null): Array<string> | null {
  const out = new Array<string>();
  if (v === null) return out;
  if (v.kind == STRING) { out.push(v.str); return out; }
  if (v.kind != ARRAY) return null;
  for (let i = 0; i < v.items.length; i++) {
    if (v.items[i].kind != STRING) return null;
    out.push(v.items[i].str);
  }
  return out;
}
