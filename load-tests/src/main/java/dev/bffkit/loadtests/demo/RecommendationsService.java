package dev.bffkit.loadtests.demo;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /recommendations?user=u1&limit=10} (limit default 10, max 100) →
 * {@code {"items":[{"id","title","kind","score","reason","image":{"small","large"}}]}};
 * {@code GET /recommendations/rows?user=u1&page=0&rows=3&rowSize=8} (TV; 12 rows in all, rows
 * max 12, rowSize max 40) → {@code {"rows":[{"title","items":[…]}],"page","hasMore"}}.
 */
public final class RecommendationsService extends DemoService {
  static final int TOTAL_ROWS = 12;
  private final DemoData data;
  private final Map<String, List<JsonObject>> ranked = new ConcurrentHashMap<>();

  public RecommendationsService() {
    this(DemoData.get());
  }

  public RecommendationsService(DemoData data) {
    super("recommendations");
    this.data = data;
  }

  @Override
  protected Reply route(Req req) {
    String[] s = req.segments;
    if (!s[0].equals("recommendations") || s.length > 2) {
      return notFound(req.path);
    }
    if (req.method != HttpMethod.GET) {
      return error(405, "method-not-allowed", "GET only");
    }
    String user = req.requiredParam("user");
    List<JsonObject> recs = ranked.computeIfAbsent(user, u -> {
      List<JsonObject> r = data.rankedRecs(u);
      return r == null ? List.of() : r;
    });
    if (recs.isEmpty()) {
      ranked.remove(user);
      return notFound("user " + user);
    }
    if (s.length == 1) {
      int limit = req.intParam("limit", 10, 1, 100);
      JsonArray items = new JsonArray();
      for (int i = 0; i < limit && i < recs.size(); i++) {
        items.add(recs.get(i));
      }
      return json(200, new JsonObject().put("items", items), "GET /recommendations");
    }
    if (s[1].equals("rows")) {
      int page = req.intParam("page", 0, 0, 10_000);
      int rows = req.intParam("rows", 3, 1, TOTAL_ROWS);
      int rowSize = req.intParam("rowSize", 8, 1, 40);
      DemoData.User u = data.user(user);
      JsonArray out = new JsonArray();
      for (int r = page * rows; r < Math.min(TOTAL_ROWS, (page + 1) * rows); r++) {
        JsonArray items = new JsonArray();
        for (int j = 0; j < rowSize; j++) {
          items.add(recs.get((r * 7 + j * 3 + (r % 2) * j) % recs.size()));
        }
        out.add(new JsonObject().put("title", rowTitle(r, u)).put("items", items));
      }
      return json(200, new JsonObject()
          .put("rows", out)
          .put("page", page)
          .put("hasMore", (page + 1) * rows < TOTAL_ROWS), "GET /recommendations/rows");
    }
    return notFound(req.path);
  }

  private String rowTitle(int r, DemoData.User u) {
    return switch (r) {
      case 0 -> "Top picks for " + u.name().split(" ")[0];
      case 1 -> "Because you follow @" + data.user(u.follows().get(0)).handle();
      case 2 -> "Trending now";
      case 3 -> "New releases";
      case 4 -> "Continue watching";
      case 5 -> "Short videos";
      case 6 -> "Documentaries";
      case 7 -> "Tech talks";
      case 8 -> "Comedy";
      case 9 -> "Award-winning shows";
      case 10 -> "Long reads";
      default -> "Hidden gems";
    };
  }
}
