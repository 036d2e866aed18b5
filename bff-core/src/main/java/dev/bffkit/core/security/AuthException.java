package dev.bffkit.core.security;

/**
 * A refused request. {@code error} is the RFC 6750 error code ({@code invalid_token},
 * {@code invalid_request}, {@code insufficient_scope}), null when the request carried no
 * credential; {@code status} is 401, 403 for missing scopes ({@code scope} names them), or 503 when the identity
 * provider could not check the credential. The
 * message is safe to show the client (it names what is wrong, never a key or a secret).
 */
public final class AuthException extends RuntimeException {
  final String error;
  final int status;
  final String scope;

  AuthException(String error, String message) {
    this(401, error, message, null);
  }

  private AuthException(int status, String error, String message, String scope) {
    super(message, null, false, false);
    this.status = status;
    this.error = error;
    this.scope = scope;
  }

  static AuthException invalid(String message) {
    return new AuthException("invalid_token", message);
  }

  static AuthException badRequest(String message) {
    return new AuthException("invalid_request", message);
  }

  /** No credential where one is needed (RFC 6750 §3: no error code). */
  static AuthException missing(String message) {
    return new AuthException(null, message);
  }

  /** The identity provider could not check the credential (down, slow, malformed): 503, fail closed. */
  static AuthException unavailable(String message) {
    return new AuthException(503, null, message, null);
  }

  static AuthException insufficientScope(String scope) {
    return new AuthException(403, "insufficient_scope", "this needs the scopes: " + scope, scope);
  }

  public String error() {
    return error;
  }

  public int status() {
    return status;
  }
}
