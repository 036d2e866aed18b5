package dev.bffkit.core.security;

/**
 * A refused credential. {@code error} is the RFC 6750 error code ({@code invalid_token},
 * {@code invalid_request}); the message is safe to show the client (it names what is wrong, never
 * a key or a secret).
 */
public final class AuthException extends RuntimeException {
  final String error;

  AuthException(String error, String message) {
    super(message, null, false, false);
    this.error = error;
  }

  static AuthException invalid(String message) {
    return new AuthException("invalid_token", message);
  }

  public String error() {
    return error;
  }
}
