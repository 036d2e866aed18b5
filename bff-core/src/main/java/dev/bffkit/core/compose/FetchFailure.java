package dev.bffkit.core.compose;

/** An upstream answered, but not usefully (non-2xx, invalid JSON, wrong shape). */
final class FetchFailure extends RuntimeException {
  final String code;
  final String service;
  /** The upstream HTTP status, or 0. */
  final int status;

  FetchFailure(String code, String service, int status, String message) {
    super(message, null, false, false);
    this.code = code;
    this.service = service;
    this.status = status;
  }
}
