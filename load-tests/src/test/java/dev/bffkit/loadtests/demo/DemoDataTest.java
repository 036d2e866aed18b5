package dev.bffkit.loadtests.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DemoDataTest {
  final DemoData d = DemoData.get();

  @Test
  void fiftyUsersTwentyPostsEach() {
    assertEquals(50, d.users().size());
    assertEquals(1000, d.posts().size());
    Set<String> handles = new HashSet<>();
    for (DemoData.User u : d.users()) {
      assertEquals(DemoData.POSTS_PER_USER, d.postsBy(u.id()).size());
      assertEquals(DemoData.FOLLOWS_PER_USER, u.follows().size());
      assertTrue(handles.add(u.handle()), "unique handle " + u.handle());
    }
    assertNotNull(d.user("u50"));
  }

  @Test
  void postIdsAscendWithTimeAndAuthorsExist() {
    for (int i = 1; i < d.posts().size(); i++) {
      DemoData.Post a = d.posts().get(i - 1);
      DemoData.Post b = d.posts().get(i);
      assertEquals("p" + (i + 1), b.id());
      assertTrue(!b.createdAt().isBefore(a.createdAt()));
      assertNotNull(d.user(b.authorId()));
      assertTrue(b.createdAt().isBefore(DemoData.NOW));
    }
  }

  @Test
  void everyFeedPageOfFiftyHasAboutSevenAuthors() {
    for (DemoData.User u : d.users()) {
      Set<String> authors = new HashSet<>();
      d.feed(u.id()).subList(0, 50).forEach(p -> authors.add(p.authorId()));
      assertTrue(authors.size() >= 5 && authors.size() <= 7, u.id() + ": " + authors);
    }
  }

  @Test
  void deterministicFingerprint() {
    // same seed, same data: a change here means every benchmark baseline moves
    assertEquals("u1", d.users().get(0).id());
    assertEquals(d.feed("u1").get(0).id(), DemoData.get().feed("u1").get(0).id());
    assertEquals(7, d.unreadCount("u1"));
    assertEquals(d.summary("u3", 7), d.summary("u3", 7));
    assertEquals(d.rankedRecs("u9"), d.rankedRecs("u9"));
  }
}
