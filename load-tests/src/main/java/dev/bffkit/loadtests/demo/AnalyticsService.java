package dev.bffkit.loadtests.demo;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

/**
 * {@code GET /users/{id}/summary?days=7} (1..90, default 7) →
 * {@code {"userId","days","views","likes","followersGained","topPostId","series":[{"day":"2025-05-26","views"}]}}.
 */
public final class AnalyticsService extends DemoService {
  private final DemoData data;

  public AnalyticsService() {
    this(DemoData.get());
  }

  public AnalyticsService(DemoData data) {
    super("analytics");
    this.data = data;
  }

  @Override
  protected Reply route(Req req) {
    String[] s = req.segments;
    if (!(s.length == 3 && s[0].equals("users") && s[2].equals("summary"))) {
      return notFound(req.path);
    }
    if (req.method != HttpMethod.GET) {
      return error(405, "method-not-allowed", "GET only");
    }
    int days = req.intParam("days", 7, 1, 90);
    JsonObject summary = data.summary(s[1], days);
    return summary == null ? notFound("user " + s[1]) : json(200, summary, "GET /users/{id}/summary");
  }
}
