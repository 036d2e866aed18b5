package dev.bffkit.core.compose;

/**
 * A template could not be rendered for this request (missing or unusable value): a field error.
 * The message (for logs) may name template references and protobuf types; clients get
 * {@link #publicMessage}, which names at most an argument of the field, never internals.
 */
final class TemplateValueException extends RuntimeException {
  private static final String GENERIC = "a value this field needs is missing or not usable";
  private final String publicMessage;

  TemplateValueException(String message) {
    this(message, GENERIC);
  }

  private TemplateValueException(String message, String publicMessage) {
    super(message, null, false, false);
    this.publicMessage = publicMessage;
  }

  /** {@code problem} ("missing value", ...) for this reference: an argument by name, anything else generically. */
  static TemplateValueException of(String problem, Template.Ref ref) {
    return new TemplateValueException(problem + " for " + ref.text(),
        ref.root() == Template.Root.ARGS ? problem + " for argument '" + ref.name() + "'" : GENERIC);
  }

  /** What the client is told: no template text, service path or message type. */
  String publicMessage() {
    return publicMessage;
  }
}
