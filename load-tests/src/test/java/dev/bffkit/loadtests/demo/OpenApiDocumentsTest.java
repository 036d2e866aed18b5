package dev.bffkit.loadtests.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The demo services' OpenAPI documents (shared-schemas' openapi/, what {@code --check} verifies the screens against)
 * describe what the real services answer: each documented operation is called on the running demo services and its
 * answer validated against the document by vertx-openapi's response validator, so a document cannot drift.
 */
class OpenApiDocumentsTest {
  private static Vertx vertx;
  private static DemoServices services;
  private static Http http;

  /** Each documented operation: service, operationId, a real request. */
  static final List<String[]> CALLS = List.of(
      new String[] {"users", "getUser", "/users/u1"},
      new String[] {"users", "getUsers", "/users?ids=u1,u2,u3"},
      new String[] {"posts", "getPost", "/posts/p1"},
      new String[] {"posts", "getFeed", "/users/u1/feed?limit=5"},
      new String[] {"posts", "getPostsBy", "/users/u2/posts?limit=3&cursor=1"},
      new String[] {"recommendations", "getRecommendations", "/recommendations?user=u1&limit=4"},
      new String[] {"recommendations", "getRows", "/recommendations/rows?user=u1&page=0&rows=2&rowSize=3"},
      new String[] {"notifications", "getNotifications", "/users/u1/notifications?limit=5"},
      new String[] {"notifications", "getUnreadCount", "/users/u1/notifications/unread-count"},
      new String[] {"ads", "getAds", "/ads?placement=feed&user=u1&limit=3"},
      new String[] {"analytics", "getSummary", "/users/u1/summary?days=7"});

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    services = DemoServices.start(vertx, 0).await(10, TimeUnit.SECONDS);
    http = new Http(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void everyDocumentedGetAnswersAsItsDocumentSays() throws Exception {
    Set<String> covered = new LinkedHashSet<>();
    for (String[] call : CALLS) {
      OpenAPIContract contract = contract(call[0]);
      Http.Resp r = http.get(services.port(call[0]), call[2]);
      assertEquals(200, r.status(), call[2] + ": " + r.body());
      ResponseValidator validator = ResponseValidator.create(vertx, contract);
      ValidatableResponse answer = ValidatableResponse.create(200, Buffer.buffer(r.body().getBytes()), "application/json");
      try {
        validator.validate(answer, call[1]).await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError(call[0] + " " + call[2] + " does not answer as its document's " + call[1]
            + " says: " + e.getMessage() + "\n" + r.body(), e);
      }
      covered.add(call[0] + "/" + call[1]);
    }
    // The validator is not lenient: a user without its required name, with a numeric id, is refused.
    ValidatableResponse wrong = ValidatableResponse.create(200, Buffer.buffer("{\"id\": 1, \"handle\": \"x\"}"),
        "application/json");
    boolean refused;
    try {
      ResponseValidator.create(vertx, contract("users")).validate(wrong, "getUser").await(10, TimeUnit.SECONDS);
      refused = false;
    } catch (Exception expected) {
      refused = true;
    }
    assertTrue(refused, "a wrong user passed the users document");
    // Every GET in the documents is called above: a new documented operation needs a row.
    for (String service : List.of("users", "posts", "recommendations", "notifications", "ads", "analytics")) {
      contract(service).operations().stream().filter(o -> o.getHttpMethod().name().equals("GET"))
          .forEach(o -> assertTrue(covered.contains(service + "/" + o.getOperationId()),
              service + " " + o.getOperationId() + " has no row in CALLS"));
    }
  }

  private static OpenAPIContract contract(String service) throws Exception {
    try (InputStream in = OpenApiDocumentsTest.class.getClassLoader().getResourceAsStream("openapi/" + service + ".yaml")) {
      assertNotNull(in, "openapi/" + service + ".yaml on the classpath (shared-schemas)");
      Map<String, Object> yaml = new Yaml(new SafeConstructor(new LoaderOptions()))
          .load(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      return OpenAPIContract.from(vertx, new JsonObject(yaml)).await(10, TimeUnit.SECONDS);
    }
  }
}
