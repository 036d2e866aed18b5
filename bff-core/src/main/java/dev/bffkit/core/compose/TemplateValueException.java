package dev.bffkit.core.compose;

/** A template could not be rendered for this request (missing or unusable value): a field error. */
final class TemplateValueException extends RuntimeException {
  TemplateValueException(String message) {
    super(message, null, false, false);
  }
}
