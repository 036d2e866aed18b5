// The JSON body scanner of the PII filter: one pass over the raw bytes, no tree. It tracks only what it needs to
// tell a key from a value (a stack of open containers and whether an object expects a key next), decodes a value
// string that has escapes into a "logical" character array that remembers every character's raw offset, finds
// e-mail addresses and card numbers on the logical characters (so "a\u0040b.com" is an address), and replaces the
// raw bytes those matches span with the mask. Everything outside a match is copied byte for byte, escapes included.
//
// Keys are never touched: they are the service's field names, and two keys masked alike would make an object with
// duplicate names (an e-mail-keyed map therefore keeps its keys; its values are still scanned).

const QUOTE: u8 = 0x22;
const BACKSLASH: u8 = 0x5c;
const OTHER: u8 = 0x80; // a logical character that is not ASCII (never part of a match)
const IN_OBJECT: u8 = 1;
const IN_ARRAY: u8 = 2;

/** A byte buffer that grows by doubling. */
class Bytes {
  buf: ArrayBuffer = new ArrayBuffer(0);
  length: i32 = 0;

  reset(capacity: i32): void {
    if (this.buf.byteLength < capacity) this.buf = new ArrayBuffer(capacity);
    this.length = 0;
  }

  ensure(extra: i32): void {
    const need = this.length + extra;
    if (need <= this.buf.byteLength) return;
    let cap = this.buf.byteLength * 2;
    if (cap < need) cap = need;
    const bigger = new ArrayBuffer(cap);
    memory.copy(changetype<usize>(bigger), changetype<usize>(this.buf), this.length);
    this.buf = bigger;
  }

  append(src: usize, n: i32): void {
    if (n <= 0) return;
    this.ensure(n);
    memory.copy(changetype<usize>(this.buf) + this.length, src, n);
    this.length += n;
  }

  push(b: u8): void {
    this.ensure(1);
    store<u8>(changetype<usize>(this.buf) + this.length, b);
    this.length++;
  }

  at(i: i32): u8 {
    return load<u8>(changetype<usize>(this.buf) + i);
  }

  pop(): u8 {
    this.length--;
    return this.at(this.length);
  }

  ptr(): usize {
    return changetype<usize>(this.buf);
  }
}

export class Redactor {
  mask: ArrayBuffer;         // the mask, JSON-escaped, as UTF-8
  emails: bool;
  cards: bool;

  out: Bytes = new Bytes();  // the rewritten body (valid after rewrite() returned > 0)
  emailCount: i32 = 0;
  cardCount: i32 = 0;

  private stack: Bytes = new Bytes();
  // Scratch for the current string, reused: a logical character per byte at chars, then its raw offset (i32) per
  // character at offsets, the closing quote's offset last. Raw pointers: the loops are the filter's hot path.
  private scratch: ArrayBuffer = new ArrayBuffer(0);
  private chars: usize = 0;
  private offsets: usize = 0;
  private length: i32 = 0;   // logical characters in the current string
  private direct: bool = false; // no escapes: chars points into the body itself, offset i is start + i
  private start: i32 = 0;
  private sawAt: bool = false;
  private digits: i32 = 0;
  private matchStart: Int32Array = new Int32Array(0);
  private matchEnd: Int32Array = new Int32Array(0);
  private matches: i32 = 0;
  private copied: i32 = 0;  // input bytes [0, copied) are in out (or need no copy yet when out is unused)
  private rewriting: bool = false;
  private src: usize = 0;

  constructor(mask: string, emails: bool, cards: bool) {
    this.mask = String.UTF8.encode(mask);
    this.emails = emails;
    this.cards = cards;
  }

  /**
   * Scans the JSON text at src. Returns the number of redactions (the rewritten text is then in out), 0 when
   * nothing matched (no copy made), or -1 when the text is not well-formed JSON at the structural level (then the
   * caller leaves the body as it is).
   */
  rewrite(src: usize, n: i32): i32 {
    this.src = src;
    this.stack.reset(64);
    this.copied = 0;
    this.rewriting = false;
    this.emailCount = 0;
    this.cardCount = 0;
    let expectKey = false;
    let i = 0;
    while (i < n) {
      const c = load<u8>(src + i);
      if (c == QUOTE) {
        const top = this.stack.length > 0 ? this.stack.at(this.stack.length - 1) : 0;
        const isKey = top == IN_OBJECT && expectKey;
        const end = isKey ? skipString(src, i + 1, n) : this.readString(i + 1, n);
        if (end < 0) return -1;
        if (!isKey) this.redactString(n);
        i = end + 1;
        continue;
      }
      if (c == 0x7b) { this.stack.push(IN_OBJECT); expectKey = true; }          // {
      else if (c == 0x5b) { this.stack.push(IN_ARRAY); }                        // [
      else if (c == 0x7d || c == 0x5d) {                                        // } ]
        if (this.stack.length == 0 || this.stack.pop() != (c == 0x7d ? IN_OBJECT : IN_ARRAY)) return -1;
        expectKey = false;
      }
      else if (c == 0x2c) expectKey = this.stack.length > 0 && this.stack.at(this.stack.length - 1) == IN_OBJECT;
      else if (c == 0x3a) expectKey = false;                                    // :
      i++;
    }
    if (this.stack.length != 0) return -1;
    if (!this.rewriting) return 0;
    this.out.append(src + this.copied, n - this.copied);
    return this.emailCount + this.cardCount;
  }

  /**
   * Reads the string whose content starts at raw offset start; returns the closing quote's offset or -1. A string
   * without escapes (most) is matched in place: its logical characters are its bytes. One with escapes is decoded
   * into the scratch arrays first.
   */
  private readString(start: i32, n: i32): i32 {
    const src = this.src;
    let j = start;
    let sawAt = false;
    let digits = 0;
    let escaped = false;
    while (j < n) {
      const b = load<u8>(src + j);
      if (b == QUOTE) break;
      if (b == BACKSLASH) { escaped = true; j += 2; continue; }
      if (b == 0x40) sawAt = true;
      else if (b >= 0x30 && b <= 0x39) digits++;
      j++;
    }
    if (j >= n) return -1;
    const end = j;
    this.length = end - start;
    this.direct = !escaped;
    this.sawAt = sawAt;
    this.digits = digits;
    if (escaped) {
      // Escapes may hide an '@' (\u0040) or digits: count again on the decoded characters.
      if (!this.decode(start, end)) return -1;
    } else {
      this.chars = src + start;
      this.start = start;
    }
    return end;
  }

  /** Decodes escapes of the string [start, end) into the scratch arrays; false when an escape is malformed. */
  private decode(start: i32, end: i32): bool {
    const src = this.src;
    this.reserve(end - start + 1); // never more logical characters than raw bytes
    const chars = this.chars;
    const offsets = this.offsets;
    let k = 0;
    let j = start;
    let sawAt = false;
    let digits = 0;
    while (j < end) {
      const b = load<u8>(src + j);
      store<i32>(offsets + (<usize>k << 2), j);
      let c: u8;
      if (b != BACKSLASH) {
        c = b < 0x80 ? b : OTHER;
        j++;
      } else {
        const e = load<u8>(src + j + 1);
        if (e == 0x75) { // \uXXXX
          const code = j + 6 <= end ? hex4(src + j + 2) : -1;
          if (code < 0) return false;
          c = code < 0x80 ? <u8>code : OTHER;
          j += 6;
        } else {
          // \" \\ \/ stand for themselves; \b \f \n \r \t are control characters: none is part of a match.
          c = e == QUOTE || e == BACKSLASH || e == 0x2f ? e : 0x0a;
          j += 2;
        }
      }
      store<u8>(chars + k, c);
      if (c == 0x40) sawAt = true;
      else if (isDigit(c)) digits++;
      k++;
    }
    store<i32>(offsets + (<usize>k << 2), end);
    this.length = k;
    this.sawAt = sawAt;
    this.digits = digits;
    return true;
  }

  private reserve(chars: i32): void {
    const need = chars * 5 + 8; // + 8: room to align the offsets
    if (this.scratch.byteLength < need) this.scratch = new ArrayBuffer(max(need, 1024));
    this.chars = changetype<usize>(this.scratch);
    this.offsets = this.chars + ((<usize>this.scratch.byteLength / 5 + 3) & ~3);
  }

  /** The raw offset of logical character i (i == length: the closing quote). */
  private off(i: i32): i32 {
    return this.direct ? this.start + i : load<i32>(this.offsets + (<usize>i << 2));
  }

  /** Finds the matches in the string just read and copies everything up to its last one into out. */
  private redactString(n: i32): void {
    const len = this.length;
    this.matches = 0;
    if (this.emails && this.sawAt) this.findEmails(len);
    const emailMatches = this.matches;
    if (this.cards && this.digits >= 13) this.findCards(len, emailMatches);
    if (this.matches == 0) return;
    sortByStart(this.matchStart, this.matchEnd, this.matches);
    if (!this.rewriting) {
      this.rewriting = true;
      this.out.reset(n + 64);
    }
    for (let m = 0; m < this.matches; m++) {
      const a = this.off(this.matchStart[m]);
      const b = this.off(this.matchEnd[m]);
      this.out.append(this.src + this.copied, a - this.copied);
      this.out.append(changetype<usize>(this.mask), this.mask.byteLength);
      this.copied = b;
    }
  }

  private ch(i: i32): u8 {
    return load<u8>(this.chars + i);
  }

  private addMatch(start: i32, end: i32): void {
    if (this.matches >= this.matchStart.length) {
      const cap = max(16, this.matchStart.length * 2);
      const s = new Int32Array(cap);
      const e = new Int32Array(cap);
      for (let i = 0; i < this.matches; i++) { s[i] = this.matchStart[i]; e[i] = this.matchEnd[i]; }
      this.matchStart = s;
      this.matchEnd = e;
    }
    this.matchStart[this.matches] = start;
    this.matchEnd[this.matches] = end;
    this.matches++;
  }

  /** local@domain.tld: local part of [A-Za-z0-9._%+-], domain labels of [A-Za-z0-9-], a top label of 2+ letters. */
  private findEmails(len: i32): void {
    let from = 0; // no match may start before the end of the previous one
    for (let p = 1; p < len - 1; p++) {
      if (this.ch(p) != 0x40) continue;
      let s = p;
      while (s > from && isLocal(this.ch(s - 1))) s--;
      while (s < p && this.ch(s) == 0x2e) s++; // a local part does not start with a dot
      if (s == p) continue;
      let e = p + 1;
      while (e < len && isDomain(this.ch(e))) e++;
      while (e > p + 1 && (this.ch(e - 1) == 0x2e || this.ch(e - 1) == 0x2d)) e--; // "mail me at a@b.com."
      if (!this.validDomain(p + 1, e)) continue;
      this.addMatch(s, e);
      this.emailCount++;
      from = e;
      p = e;
    }
  }

  private validDomain(start: i32, end: i32): bool {
    let labelStart = start;
    let dots = 0;
    for (let i = start; i <= end; i++) {
      if (i < end && this.ch(i) != 0x2e) continue;
      if (i == labelStart) return false; // empty label: "a@.com", "a@b..com"
      if (this.ch(labelStart) == 0x2d || this.ch(i - 1) == 0x2d) return false;
      if (i < end) { dots++; labelStart = i + 1; }
    }
    if (dots == 0 || end - labelStart < 2) return false;
    for (let i = labelStart; i < end; i++) if (!isLetter(this.ch(i))) return false;
    return true;
  }

  /**
   * 13-19 digits, single spaces or dashes allowed between groups, Luhn-valid, not glued to a letter or digit on
   * either side. A run of digit groups is judged whole: "4111 1111 1111 1111 2024" (20 digits) is not a card.
   */
  private findCards(len: i32, emailMatches: i32): void {
    let p = 0;
    while (p < len) {
      if (!isDigit(this.ch(p)) || (p > 0 && isAlnum(this.ch(p - 1)))) { p++; continue; }
      let q = p;
      let digits = 0;
      while (true) {
        while (q < len && isDigit(this.ch(q))) { q++; digits++; }
        if (q + 1 < len && (this.ch(q) == 0x20 || this.ch(q) == 0x2d) && isDigit(this.ch(q + 1))) { q++; continue; }
        break;
      }
      if (digits >= 13 && digits <= 19 && (q == len || !isAlnum(this.ch(q))) && this.luhn(p, q)
          && !overlaps(this.matchStart, this.matchEnd, emailMatches, p, q)) {
        this.addMatch(p, q);
        this.cardCount++;
      }
      p = q;
    }
  }

  private luhn(start: i32, end: i32): bool {
    let sum = 0;
    let double = false;
    for (let i = end - 1; i >= start; i--) {
      const c = this.ch(i);
      if (!isDigit(c)) continue;
      let d = <i32>(c - 0x30);
      if (double) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
      double = !double;
    }
    return sum % 10 == 0;
  }
}

/** The closing quote's offset of a string whose content starts at start (escapes skipped), or -1. */
function skipString(src: usize, start: i32, n: i32): i32 {
  let j = start;
  while (j < n) {
    const b = load<u8>(src + j);
    if (b == QUOTE) return j;
    j += b == BACKSLASH ? 2 : 1;
  }
  return -1;
}

function hex4(p: usize): i32 {
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const c = <i32>load<u8>(p + i);
    let d: i32;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else return -1;
    v = (v << 4) | d;
  }
  return v;
}

function overlaps(starts: Int32Array, ends: Int32Array, count: i32, s: i32, e: i32): bool {
  for (let i = 0; i < count; i++) if (s < ends[i] && starts[i] < e) return true;
  return false;
}

/** Insertion sort: a string holds a handful of matches, already sorted within each kind. */
function sortByStart(starts: Int32Array, ends: Int32Array, count: i32): void {
  for (let i = 1; i < count; i++) {
    const s = starts[i];
    const e = ends[i];
    let j = i - 1;
    while (j >= 0 && starts[j] > s) { starts[j + 1] = starts[j]; ends[j + 1] = ends[j]; j--; }
    starts[j + 1] = s;
    ends[j + 1] = e;
  }
}

function isDigit(c: u8): bool { return c >= 0x30 && c <= 0x39; }
function isLetter(c: u8): bool { return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a); }
function isAlnum(c: u8): bool { return isDigit(c) || isLetter(c); }
function isLocal(c: u8): bool {
  return isAlnum(c) || c == 0x2e || c == 0x5f || c == 0x25 || c == 0x2b || c == 0x2d; // . _ % + -
}
function isDomain(c: u8): bool { return isAlnum(c) || c == 0x2e || c == 0x2d; }
