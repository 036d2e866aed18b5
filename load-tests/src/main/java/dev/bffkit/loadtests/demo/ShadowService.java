package dev.bffkit.loadtests.demo;

import io.vertx.core.json.JsonObject;

/**
 * The demo's shadow: it receives the BFF's mirrored copies (of every {@code GET /v1/screens/home} of the iOS BFF)
 * and answers each with {@code {"shadow": true, "path": ...}}; its {@code /_stats} counts them. A real shadow would be
 * the next version of a service or BFF, compared by the status differences the BFF counts.
 */
public final class ShadowService extends DemoService {
  public ShadowService() {
    super("shadow");
  }

  @Override
  protected Reply route(Req req) {
    return json(200, new JsonObject().put("shadow", true).put("path", req.path), "any");
  }
}
