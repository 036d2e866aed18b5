package dev.bffkit.core.pipeline;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns an unexpected exception into a logged 500 that shows the client no internals. A client
 * that has gone is not an internal error: {@link Cancellation} logged its one
 * {@code event=client_gone} line, so what surfaces afterwards (writes to a closed stream, a
 * composition that ran out of calls) is logged at FINE, never SEVERE.
 */
public final class Failures {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.error");

  private Failures() {}

  public static void internal(Exchange ex, String where, Throwable e) {
    if (ex.deadline().cancelled() || ex.response().closed()) {
      LOG.fine("" + ex.logIds() + " where=" + where + " after=client_gone error=" + e);
      return;
    }
    LOG.log(Level.SEVERE, "" + ex.logIds() + " where=" + where + " error=" + e, e);
    if (!ex.answered()) {
      ex.fail(500, "internal", "internal error; quote request id " + ex.requestId());
    } else if (!ex.response().ended()) {
      ex.request().connection().close();
    }
  }
}
