package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProjectedJsonTest {
  private static final String DOC = """
      {"items":[{"id":"p1","text":"t","authorId":"a1","media":[{"url":"u","w":1}],"tags":["x"],
                 "author":{"name":"Ada","bio":"long"}},
                {"id":"p2","text":null,"authorId":"a2","likes":9007199254740993,"score":1.5,"big":123456789012345678901234567890}],
       "next":"c2","debug":{"took":3}}""";

  private static JsonProjection projection(String... paths) {
    JsonProjection p = new JsonProjection();
    for (String path : paths) p.add(path.split("\\."), 0, null);
    return p;
  }

  @Test
  void keepsOnlyWhatIsWantedAndValuesAsJacksonReadsThem() throws Exception {
    Object full = Json.parse(Buffer.buffer(DOC));
    Object kept = ProjectedJson.parse(Buffer.buffer(DOC),
        projection("items.id", "items.author.name", "items.likes", "items.score", "items.big", "items.text"));
    Map<?, ?> first = (Map<?, ?>) ((List<?>) ((Map<?, ?>) kept).get("items")).get(0);
    Map<?, ?> second = (Map<?, ?>) ((List<?>) ((Map<?, ?>) kept).get("items")).get(1);
    assertEquals(Map.of("id", "p1", "text", "t", "author", Map.of("name", "Ada")), first);
    assertTrue(second.containsKey("text") && second.get("text") == null, "a kept null stays");
    assertEquals(9007199254740993L, second.get("likes"));
    assertEquals(1.5, second.get("score"));
    assertEquals(new BigInteger("123456789012345678901234567890"), second.get("big"));
    assertFalse(((Map<?, ?>) kept).containsKey("debug"));
    // the same values Jackson gives for what is kept
    Map<?, ?> fullSecond = (Map<?, ?>) ((List<?>) ((Map<?, ?>) full).get("items")).get(1);
    assertEquals(fullSecond.get("likes"), second.get("likes"));
    assertEquals(fullSecond.get("big"), second.get("big"));
  }

  @Test
  void noProjectionOrWholeKeysAreJacksonsParse() throws Exception {
    Object full = Json.parse(Buffer.buffer(DOC));
    assertEquals(full, ProjectedJson.parse(Buffer.buffer(DOC), null));
    assertEquals(full, ProjectedJson.parse(Buffer.buffer(DOC), projection("items", "next", "debug")));
    assertNull(ProjectedJson.parse(Buffer.buffer(""), projection("x")));
    assertEquals(List.of(Map.of("id", 1)), ProjectedJson.parse(Buffer.buffer("[{\"id\":1,\"x\":[1,{\"y\":2}]}]"), projection("id")));
  }

  @Test
  void wholeWinsOverPartsInEitherOrder() throws Exception {
    JsonProjection a = projection("items.id");
    a.add(new String[] {"items"}, 0, null);
    JsonProjection b = projection("items");
    b.add(new String[] {"items", "id"}, 0, null);
    Object full = ((Map<?, ?>) Json.parse(Buffer.buffer(DOC))).get("items");
    assertEquals(full, ((Map<?, ?>) ProjectedJson.parse(Buffer.buffer(DOC), a)).get("items"));
    assertEquals(full, ((Map<?, ?>) ProjectedJson.parse(Buffer.buffer(DOC), b)).get("items"));
  }

  @Test
  void planDerivesWhatEachFetchReads() {
    java.util.Map<String, dev.bffkit.core.config.ServiceConfig> services = new java.util.LinkedHashMap<>();
    for (String n : FakeServices.NAMES) services.put(n, dev.bffkit.core.TestBundles.service(n, 1));
    var bundle = dev.bffkit.core.TestBundles.bundle(dev.bffkit.core.TestBundles.server(java.time.Duration.ofSeconds(1)),
        java.time.Duration.ofSeconds(1), services, List.of(), FakeServices.SCHEMA, Map.of());
    var engine = CompositionEngine.create(bundle, true);
    OperationPlan plan = OperationPlan.compile(engine.schema(),
        graphql.parser.Parser.parse("{ feed { id author { name avatar } } me { __typename } }"), null);
    OperationPlan.FieldPlan feed = plan.root().fields()[0];
    // feed selects "items"; each post needs id and the authorId its author fetch reads.
    assertEquals(projection("items.id", "items.authorId"), feed.projection());
    OperationPlan.FieldPlan author = feed.selection().fields()[1];
    // the batch answer (select "users") keeps name, the @map path and the key.
    assertEquals(projection("users.name", "users.avatar.small", "users.id"), plan.batchProjection(author.rest()));
  }
}
