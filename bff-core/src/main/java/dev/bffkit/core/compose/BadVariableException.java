package dev.bffkit.core.compose;

/** A screen's query parameter cannot become its variable; the message is safe for a 400. */
public final class BadVariableException extends RuntimeException {
  private final String variable;

  public BadVariableException(String variable, String message) {
    super(message, null, false, false);
    this.variable = variable;
  }

  public String variable() { return variable; }
}
