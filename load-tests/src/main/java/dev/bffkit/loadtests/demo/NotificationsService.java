package dev.bffkit.loadtests.demo;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * {@code GET /users/{id}/notifications/unread-count} → {@code {"count":7}};
 * {@code GET /users/{id}/notifications?limit=5} (default 10, max 30) →
 * {@code {"items":[{"id","kind","actorId","text","createdAt","read"}],"unread"}}, newest first.
 */
public final class NotificationsService extends DemoService {
  private final DemoData data;

  public NotificationsService() {
    this(DemoData.get());
  }

  public NotificationsService(DemoData data) {
    super("notifications");
    this.data = data;
  }

  @Override
  protected Reply route(Req req) {
    String[] s = req.segments;
    if (!(s.length >= 3 && s.length <= 4 && s[0].equals("users") && s[2].equals("notifications"))) {
      return notFound(req.path);
    }
    if (req.method != HttpMethod.GET) {
      return error(405, "method-not-allowed", "GET only");
    }
    String user = s[1];
    List<DemoData.Notification> all = data.notifications(user);
    if (all == null) {
      return notFound("user " + user);
    }
    if (s.length == 4) {
      if (!s[3].equals("unread-count")) {
        return notFound(req.path);
      }
      return json(200, new JsonObject().put("count", data.unreadCount(user)),
          "GET /users/{id}/notifications/unread-count");
    }
    int limit = req.intParam("limit", 10, 1, DemoData.NOTIFICATIONS_PER_USER);
    JsonArray items = new JsonArray();
    for (int i = 0; i < limit; i++) {
      items.add(DemoData.notificationJson(all.get(i)));
    }
    return json(200, new JsonObject().put("items", items).put("unread", data.unreadCount(user)),
        "GET /users/{id}/notifications");
  }
}
