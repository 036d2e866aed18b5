package dev.bffkit.loadtests.demo;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * {@code GET /ads?placement=feed&user=u1&limit=2} (placement default "feed", user optional, limit
 * default 1, max 10) → {@code {"ads":[{"id","advertiser","headline","image","clickUrl"}]}}; the
 * rotation is a deterministic function of placement and user.
 */
public final class AdsService extends DemoService {
  private final DemoData data;

  public AdsService() {
    this(DemoData.get());
  }

  public AdsService(DemoData data) {
    super("ads");
    this.data = data;
  }

  @Override
  protected Reply route(Req req) {
    String[] s = req.segments;
    if (!(s.length == 1 && s[0].equals("ads"))) {
      return notFound(req.path);
    }
    if (req.method != HttpMethod.GET) {
      return error(405, "method-not-allowed", "GET only");
    }
    String placement = req.param("placement");
    placement = placement == null ? "feed" : placement;
    String user = req.param("user");
    int limit = req.intParam("limit", 1, 1, 10);
    List<DemoData.Ad> ads = data.ads();
    int start = (int) Math.floorMod(DemoData.mix((placement + "|" + user).hashCode()), (long) ads.size());
    JsonArray out = new JsonArray();
    for (int i = 0; i < limit; i++) {
      out.add(DemoData.adJson(ads.get((start + i) % ads.size()), placement, user));
    }
    return json(200, new JsonObject().put("ads", out), "GET /ads");
  }
}
