package dev.bffkit.core.pipeline;

import java.util.logging.Level;
import java.util.logging.Logger;

/** Turns an unexpected exception into a logged 500 that shows the client no internals. */
public final class Failures {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.error");

  private Failures() {}

  public static void internal(Exchange ex, String where, Throwable e) {
    LOG.log(Level.SEVERE, "request_id=" + ex.requestId() + " where=" + where + " error=" + e, e);
    if (!ex.answered()) {
      ex.fail(500, "internal", "internal error; quote request id " + ex.requestId());
    } else if (!ex.response().ended()) {
      ex.request().connection().close();
    }
  }
}
