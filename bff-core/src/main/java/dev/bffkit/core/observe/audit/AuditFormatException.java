package dev.bffkit.core.observe.audit;

/** A line of an audit file that is not a well-formed chain record; the message says what is wrong. */
public final class AuditFormatException extends Exception {
  public AuditFormatException(String message) {
    super(message, null, false, false);
  }
}
