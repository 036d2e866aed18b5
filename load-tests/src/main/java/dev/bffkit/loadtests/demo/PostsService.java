package dev.bffkit.loadtests.demo;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code GET /users/{id}/feed?limit&cursor} (posts by the people the user follows, newest first),
 * {@code GET /users/{id}/posts?limit&cursor} (the user's own posts), {@code GET /posts/{id}},
 * {@code POST /posts} (201, echoes the JSON body with a new id; nothing is stored, so the data
 * stays the same run after run). Pages: {@code {"items":[…],"nextCursor":"20"|null}}; limit
 * default 20, max 100; the cursor is opaque (an offset).
 */
public final class PostsService extends DemoService {
  static final int DEFAULT_LIMIT = 20;
  static final int MAX_LIMIT = 100;
  private final DemoData data;
  private final Map<String, String> postJson = new HashMap<>();
  private final AtomicLong nextId;

  public PostsService() {
    this(DemoData.get());
  }

  public PostsService(DemoData data) {
    super("posts");
    this.data = data;
    for (DemoData.Post p : data.posts()) {
      postJson.put(p.id(), DemoData.postJson(p).encode());
    }
    nextId = new AtomicLong(data.posts().size());
  }

  @Override
  protected Reply route(Req req) {
    String[] s = req.segments;
    if (s[0].equals("posts")) {
      if (s.length == 1 && req.method == HttpMethod.POST) {
        return create(req);
      }
      if (s.length == 2 && req.method == HttpMethod.GET) {
        String j = postJson.get(s[1]);
        return j != null ? raw(200, j, "GET /posts/{id}") : notFound("post " + s[1]);
      }
      return s.length <= 2 ? error(405, "method-not-allowed", "GET /posts/{id}, POST /posts") : notFound(req.path);
    }
    if (s[0].equals("users") && s.length == 3 && req.method == HttpMethod.GET) {
      String user = s[1];
      if (data.user(user) == null) {
        return notFound("user " + user);
      }
      return switch (s[2]) {
        case "feed" -> page(data.feed(user), req, "GET /users/{id}/feed");
        case "posts" -> page(data.postsBy(user), req, "GET /users/{id}/posts");
        default -> notFound(req.path);
      };
    }
    return notFound(req.path);
  }

  private Reply page(List<DemoData.Post> all, Req req, String route) {
    int limit = req.intParam("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    int offset = 0;
    String cursor = req.param("cursor");
    if (cursor != null) {
      try {
        offset = Integer.parseInt(cursor);
      } catch (NumberFormatException e) {
        offset = -1;
      }
      if (offset < 0) {
        throw new BadRequest("invalid cursor");
      }
    }
    int end = Math.min(all.size(), offset + limit);
    StringBuilder sb = new StringBuilder(64 + limit * 400).append("{\"items\":[");
    for (int i = offset; i < end; i++) {
      if (i > offset) {
        sb.append(',');
      }
      sb.append(postJson.get(all.get(i).id()));
    }
    sb.append("],\"nextCursor\":");
    sb.append(end < all.size() ? "\"" + end + "\"" : "null").append('}');
    return raw(200, sb.toString(), route);
  }

  private Reply create(Req req) {
    Object body;
    try {
      body = req.body == null || req.body.length() == 0 ? null : Json.decodeValue(req.body);
    } catch (RuntimeException e) {
      throw new BadRequest("body is not JSON");
    }
    if (!(body instanceof JsonObject in)) {
      throw new BadRequest("body must be a JSON object");
    }
    if (!(in.getValue("text") instanceof String text) || text.isBlank()) {
      throw new BadRequest("text is required");
    }
    String id = "p" + nextId.incrementAndGet();
    JsonObject out = in.copy()
        .put("id", id)
        .put("text", text);
    if (!out.containsKey("authorId")) {
      out.put("authorId", "u1");
    }
    if (!out.containsKey("createdAt")) {
      out.put("createdAt", Instant.now().toString());
    }
    out.put("likes", 0).put("reposts", 0).put("replies", 0);
    if (!(out.getValue("tags") instanceof JsonArray)) {
      out.put("tags", new JsonArray());
    }
    if (!(out.getValue("media") instanceof JsonArray)) {
      out.put("media", new JsonArray());
    }
    return new Reply(201, out.toBuffer(), "POST /posts", "/posts/" + id);
  }
}
