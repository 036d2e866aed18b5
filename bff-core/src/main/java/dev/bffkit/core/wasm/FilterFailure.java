package dev.bffkit.core.wasm;

import java.util.Locale;

/** A filter callback that did not finish: it trapped, ran past its budget, or the module broke the ABI. */
final class FilterFailure extends Exception {
  enum Kind {
    /** A trap: unreachable, out-of-bounds access, a failed memory.grow's abort, stack exhaustion. */
    TRAP,
    /** The callback ran past its CPU budget and was stopped. */
    BUDGET,
    /** The module asked for something the host refuses (a failed configure, a broken instance). */
    ABI
  }

  final Kind kind;
  final String callback;

  FilterFailure(Kind kind, String callback, String message) {
    super(callback + ": " + message, null, false, false);
    this.kind = kind;
    this.callback = callback;
  }

  String label() {
    return kind.name().toLowerCase(Locale.ROOT);
  }
}
