package dev.bffkit.loadtests.demo;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /users/{id}} → a user; {@code GET /users?ids=u1,u2} → array of the users found, in
 * request order, duplicates once, unknown ids skipped (at most 500 ids); {@code GET /users/{id}/contact} → the
 * user's e-mail and (test) payment card, the personal data the web BFF's PII filter redacts.
 */
public final class UsersService extends DemoService {
  static final int MAX_IDS = 500;
  private final Map<String, String> userJson = new HashMap<>();
  private final Map<String, Reply> userReply = new HashMap<>();

  public UsersService() {
    this(DemoData.get());
  }

  public UsersService(DemoData data) {
    super("users");
    for (DemoData.User u : data.users()) {
      String j = DemoData.userJson(u).encode();
      userJson.put(u.id(), j);
      userReply.put(u.id(), raw(200, j, "GET /users/{id}"));
    }
  }

  @Override
  protected Reply route(Req req) {
    String[] s = req.segments;
    if (!"users".equals(s[0])) {
      return notFound(req.path);
    }
    if (req.method != HttpMethod.GET) {
      return error(405, "method-not-allowed", "GET only");
    }
    if (s.length == 1) {
      return batch(req.requiredParam("ids"));
    }
    if (s.length == 2) {
      Reply r = userReply.get(s[1]);
      return r != null ? r : notFound("user " + s[1]);
    }
    if (s.length == 3 && "contact".equals(s[2]) && userJson.containsKey(s[1])) {
      return raw(200, new JsonObject().put("id", s[1]).put("email", s[1] + "@example.com")
          .put("card", "4111 1111 1111 1111").put("note", "call " + s[1] + " before noon").encode(), "GET /users/{id}/contact");
    }
    return notFound(req.path);
  }

  private Reply batch(String ids) {
    Set<String> wanted = new LinkedHashSet<>();
    for (String id : ids.split(",")) {
      String t = id.trim();
      if (!t.isEmpty()) {
        wanted.add(t);
      }
    }
    if (wanted.size() > MAX_IDS) {
      throw new BadRequest("at most " + MAX_IDS + " ids");
    }
    StringBuilder sb = new StringBuilder(wanted.size() * 330 + 2).append('[');
    for (String id : wanted) {
      String j = userJson.get(id);
      if (j != null) {
        if (sb.length() > 1) {
          sb.append(',');
        }
        sb.append(j);
      }
    }
    return raw(200, sb.append(']').toString(), "GET /users?ids");
  }
}
