package dev.bffkit.loadtests.demo;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The seeded, read-only world of the demo: 50 users {@code u1..u50}, 20 posts each ({@code p1..p1000},
 * ids ascending with time), a follow graph (7 followees per user), a recommendation catalog, ads,
 * notifications and analytics. Same seed, same data, every run and every JVM ({@link Random} and
 * {@link String#hashCode} are specified). "Now" is the fixed instant {@link #NOW}.
 */
public final class DemoData {
  public static final long SEED = 20250601L;
  public static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
  public static final int USERS = 50;
  public static final int POSTS_PER_USER = 20;
  public static final int FOLLOWS_PER_USER = 7;
  public static final int NOTIFICATIONS_PER_USER = 30;
  public static final int REC_CATALOG = 120;

  public record User(String id, String name, String handle, String bio, boolean verified, int followers,
      int following, String joinedAt, List<String> follows) {}

  public record Media(String url, int width, int height) {}

  public record Post(String id, String authorId, String text, Instant createdAt, int likes, int reposts,
      int replies, List<String> tags, List<Media> media) {}

  public record Rec(String id, String title, String kind, String small, String large) {}

  public record Ad(String id, String advertiser, String headline, String image, String clickUrl) {}

  public record Notification(String id, String kind, String actorId, String text, Instant createdAt, boolean read) {}

  private static final String[] FIRST = {
    "Ava", "Liam", "Maya", "Noah", "Zoe", "Ethan", "Chloe", "Lucas", "Mia", "Omar", "Nora", "Hugo", "Ines",
    "Kai", "Lena", "Mateo", "Priya", "Ravi", "Sofia", "Theo", "Yara", "Felix", "Greta", "Jonas", "Amara",
    "Diego", "Elif", "Farah", "Ivan", "Jade", "Kenji", "Leila", "Milo", "Nadia", "Oscar", "Paula", "Quinn",
    "Rosa", "Sami", "Tara", "Uma", "Victor", "Wren", "Xavi", "Yuki", "Zane", "Anya", "Bruno", "Cleo", "Dario"};
  private static final String[] LAST = {
    "Chen", "Okafor", "Garcia", "Müller", "Rossi", "Kowalski", "Nguyen", "Silva", "Haddad", "Novak",
    "Larsen", "Dubois", "Tanaka", "Ibrahim", "Petrov", "Moreau", "Khan", "Schmidt", "Costa", "Lindqvist",
    "Yilmaz", "Fischer", "Rahman", "Ortiz", "Bauer", "Sato", "Mensah", "Varga", "Kim", "Patel", "Ferreira",
    "Andersen", "Romero", "Weber", "Popescu", "Morales", "Jensen", "Ali", "Horvat", "Santos", "Becker",
    "Nakamura", "Diallo", "Ricci", "Svensson", "Reyes", "Wagner", "Lopez", "Novotny", "Hoffmann"};
  private static final String[] ROLES = {
    "Backend engineer", "Product designer", "Photographer", "Coffee nerd", "Trail runner", "Indie game dev",
    "Data scientist", "Jazz drummer", "Urban gardener", "SRE", "Mobile developer", "Illustrator",
    "Climbing coach", "Food writer", "Open-source maintainer", "Astronomy fan"};
  private static final String[] PLACES = {
    "Lisbon", "Berlin", "Lagos", "Montreal", "Seoul", "Oslo", "Austin", "Nairobi", "Kyoto", "Porto",
    "Melbourne", "Zurich"};
  private static final String[] TAGS = {
    "java", "vertx", "graphql", "design", "photography", "running", "coffee", "music", "gamedev", "travel",
    "food", "opensource", "ml", "climbing", "books", "space"};
  private static final String[] OPENERS = {
    "Just shipped", "Finally tried", "Hot take on", "Spent the weekend with", "Three things I learned from",
    "Unpopular opinion about", "Can't stop thinking about", "Quick thread on", "Small win today with",
    "Looking for tips on"};
  private static final String[] THINGS = {
    "a new GraphQL gateway", "sourdough at high altitude", "the night sky over the desert",
    "a 10k trail loop", "backpressure in reactive streams", "film photography", "a tiny pixel-art game",
    "pour-over ratios", "a jazz standard in 7/4", "rooftop tomatoes", "zero-downtime deploys",
    "a second-hand lens", "batching N+1 queries away", "a rainy city walk", "our design system tokens",
    "a 300-page fantasy novel"};
  private static final String[] CLOSERS = {
    "Thoughts?", "More soon.", "10/10 would do again.", "Not what I expected.", "Link in bio.",
    "Who else?", "Worth it.", "Details below.", "Still processing.", ""};
  private static final String[] REC_ADJ = {
    "Midnight", "Hidden", "Electric", "Silent", "Golden", "Wild", "Lost", "Northern", "Neon", "Broken",
    "Secret", "Last"};
  private static final String[] REC_NOUN = {
    "Signals", "Kitchen", "Frontier", "Orbit", "Garden", "Archive", "Harbor", "Circuit", "Summit", "Library"};
  private static final String[] KINDS = {"video", "show", "article"};
  private static final String[] ADVERTISERS = {
    "Northwind Coffee", "Acme Cloud", "Fjord Outdoor", "Pixel Forge", "Lumen Bank", "Trailhead Shoes",
    "Orbit Mobile", "Greenleaf Grocers", "Atlas Travel", "Sonic Audio", "Brightside Books", "Nimbus Notes",
    "Harbor Insurance", "Quanta Learning", "Maple Furniture", "Volt Scooters"};
  private static final String[] AD_LINES = {
    "Fresh roasts, delivered weekly", "Deploy in seconds, pay per request", "Gear up for the weekend",
    "Build worlds, ship games", "Banking without the queue", "Run further, land softer",
    "Unlimited data, no contract", "Farm to door in 24 hours", "Fly somewhere new this month",
    "Hear every detail", "Your next favourite book", "Notes that think with you",
    "Cover that actually covers", "Learn anything, anytime", "Made to last, made to order",
    "Skip the traffic"};
  private static final String[] NOTIF_KINDS = {"like", "follow", "reply", "mention", "repost"};

  private static volatile DemoData instance;

  private final List<User> users;
  private final Map<String, User> userById;
  private final List<Post> posts;
  private final Map<String, Post> postById;
  private final Map<String, List<Post>> postsByAuthor;
  private final Map<String, List<Post>> feeds;
  private final List<Rec> recCatalog;
  private final List<Ad> ads;
  private final Map<String, Integer> unreadCount;

  /** The shared instance (built once; about a millisecond of work). */
  public static DemoData get() {
    DemoData d = instance;
    if (d == null) {
      synchronized (DemoData.class) {
        d = instance;
        if (d == null) {
          instance = d = new DemoData();
        }
      }
    }
    return d;
  }

  private DemoData() {
    Random rnd = new Random(SEED);
    // --- users
    List<String> lasts = new ArrayList<>(List.of(LAST));
    Collections.shuffle(lasts, rnd);
    List<User> us = new ArrayList<>();
    for (int i = 0; i < USERS; i++) {
      String id = "u" + (i + 1);
      String first = FIRST[i];
      String last = lasts.get(i);
      String handle = (first + last.substring(0, 1)).toLowerCase().replace('ü', 'u') + (10 + rnd.nextInt(90));
      String bio = ROLES[rnd.nextInt(ROLES.length)] + " in " + PLACES[rnd.nextInt(PLACES.length)] + ". "
          + "Into #" + TAGS[rnd.nextInt(TAGS.length)] + " and #" + TAGS[rnd.nextInt(TAGS.length)] + ".";
      // heavy-tailed follower counts: a few big accounts, many small
      int followers = (int) Math.round(120 * Math.pow(10, rnd.nextDouble() * 3.2));
      boolean verified = followers > 50_000 || i == 0;
      int following = 7 + rnd.nextInt(900);
      String joinedAt = NOW.minus(200 + rnd.nextInt(3000), ChronoUnit.DAYS).truncatedTo(ChronoUnit.DAYS).toString();
      Set<String> follows = new LinkedHashSet<>();
      while (follows.size() < FOLLOWS_PER_USER) {
        int other = rnd.nextInt(USERS);
        if (other != i) {
          follows.add("u" + (other + 1));
        }
      }
      us.add(new User(id, first + " " + last, handle, bio, verified, followers, following, joinedAt,
          List.copyOf(follows)));
    }
    users = List.copyOf(us);
    userById = new HashMap<>();
    for (User u : users) {
      userById.put(u.id(), u);
    }

    // --- posts: 20 per author over the last 30 days; ids ascend with time
    record Draft(String authorId, Instant at, int likes, int reposts, int replies, List<String> tags,
        String text, int mediaCount, int shape) {}
    List<Draft> drafts = new ArrayList<>();
    for (User u : users) {
      for (int k = 0; k < POSTS_PER_USER; k++) {
        Instant at = NOW.minusSeconds(60L + rnd.nextInt(30 * 24 * 3600));
        int likes = (int) Math.round(Math.pow(u.followers(), 0.6) * (0.2 + rnd.nextDouble() * 1.8));
        int reposts = likes / (4 + rnd.nextInt(8));
        int replies = likes / (6 + rnd.nextInt(14));
        int nTags = rnd.nextInt(4);
        Set<String> tags = new LinkedHashSet<>();
        while (tags.size() < nTags) {
          tags.add(TAGS[rnd.nextInt(TAGS.length)]);
        }
        String closer = CLOSERS[rnd.nextInt(CLOSERS.length)];
        String text = OPENERS[rnd.nextInt(OPENERS.length)] + " " + THINGS[rnd.nextInt(THINGS.length)] + "."
            + (closer.isEmpty() ? "" : " " + closer);
        int mediaCount = rnd.nextInt(10) < 6 ? 0 : 1 + rnd.nextInt(2);
        drafts.add(new Draft(u.id(), at, likes, reposts, replies, List.copyOf(tags), text, mediaCount, rnd.nextInt(3)));
      }
    }
    drafts.sort(Comparator.comparing(Draft::at).thenComparing(Draft::authorId));
    List<Post> ps = new ArrayList<>();
    int[][] shapes = {{1080, 1350}, {1200, 675}, {1080, 1080}};
    for (int n = 0; n < drafts.size(); n++) {
      Draft d = drafts.get(n);
      String pid = "p" + (n + 1);
      List<Media> media = new ArrayList<>();
      for (int m = 0; m < d.mediaCount(); m++) {
        int[] s = shapes[(d.shape() + m) % shapes.length];
        media.add(new Media("https://img.example/" + pid + "/" + (m + 1) + ".jpg", s[0], s[1]));
      }
      ps.add(new Post(pid, d.authorId(), d.text(), d.at(), d.likes(), d.reposts(), d.replies(), d.tags(),
          List.copyOf(media)));
    }
    posts = List.copyOf(ps);
    postById = new HashMap<>();
    postsByAuthor = new HashMap<>();
    for (Post p : posts) {
      postById.put(p.id(), p);
      postsByAuthor.computeIfAbsent(p.authorId(), k -> new ArrayList<>()).add(p);
    }
    Comparator<Post> newestFirst = Comparator.comparing(Post::createdAt).reversed();
    postsByAuthor.replaceAll((k, v) -> {
      v.sort(newestFirst);
      return List.copyOf(v);
    });
    feeds = new HashMap<>();
    for (User u : users) {
      List<Post> f = new ArrayList<>();
      for (String followee : u.follows()) {
        f.addAll(postsByAuthor.get(followee));
      }
      f.sort(newestFirst);
      feeds.put(u.id(), List.copyOf(f));
    }

    // --- recommendation catalog
    List<Rec> rc = new ArrayList<>();
    for (int i = 0; i < REC_CATALOG; i++) {
      String rid = "r" + (i + 1);
      String title = "The " + REC_ADJ[rnd.nextInt(REC_ADJ.length)] + " " + REC_NOUN[rnd.nextInt(REC_NOUN.length)];
      if (rnd.nextInt(3) == 0) {
        title += ": Part " + (2 + rnd.nextInt(3));
      }
      rc.add(new Rec(rid, title, KINDS[i % KINDS.length],
          "https://img.example/recs/" + rid + "/320x180.jpg", "https://img.example/recs/" + rid + "/1280x720.jpg"));
    }
    recCatalog = List.copyOf(rc);

    // --- ads
    List<Ad> as = new ArrayList<>();
    for (int i = 0; i < ADVERTISERS.length; i++) {
      String aid = "ad" + (i + 1);
      as.add(new Ad(aid, ADVERTISERS[i], AD_LINES[i], "https://img.example/ads/" + aid + "/600x314.jpg",
          "https://ads.example/click/" + aid));
    }
    ads = List.copyOf(as);

    // --- unread counts (u1 has 7, as in the docs' example)
    unreadCount = new HashMap<>();
    for (User u : users) {
      unreadCount.put(u.id(), u.id().equals("u1") ? 7 : rnd.nextInt(13));
    }
  }

  // ------------------------------------------------------------------ queries

  public List<User> users() {
    return users;
  }

  public User user(String id) {
    return userById.get(id);
  }

  public List<Post> posts() {
    return posts;
  }

  public Post post(String id) {
    return postById.get(id);
  }

  /** The author's own posts, newest first. */
  public List<Post> postsBy(String userId) {
    return postsByAuthor.getOrDefault(userId, List.of());
  }

  /** Posts by the people the user follows, newest first (140 posts per user). */
  public List<Post> feed(String userId) {
    return feeds.get(userId);
  }

  public List<Ad> ads() {
    return ads;
  }

  public int unreadCount(String userId) {
    return unreadCount.getOrDefault(userId, 0);
  }

  /** The whole catalog ranked for one user, best first, with a score and a reason. */
  public List<JsonObject> rankedRecs(String userId) {
    User u = userById.get(userId);
    if (u == null) {
      return null;
    }
    record Scored(Rec rec, double score) {}
    List<Scored> scored = new ArrayList<>(recCatalog.size());
    for (Rec r : recCatalog) {
      long h = mix(userId.hashCode() * 31L + r.id().hashCode());
      double score = Math.round(((h >>> 11) / (double) (1L << 53)) * 1000) / 1000.0;
      scored.add(new Scored(r, score));
    }
    scored.sort(Comparator.comparingDouble(Scored::score).reversed().thenComparing(s -> s.rec().id()));
    List<JsonObject> out = new ArrayList<>(scored.size());
    for (int i = 0; i < scored.size(); i++) {
      Scored s = scored.get(i);
      String reason = switch ((int) (mix(s.rec().id().hashCode()) & 3)) {
        case 0 -> "Because you follow @" + userById.get(u.follows().get(i % u.follows().size())).handle();
        case 1 -> "Trending in #" + TAGS[(int) ((mix(s.rec().id().hashCode() + 7L) >>> 3) % TAGS.length)];
        case 2 -> "Popular with people you follow";
        default -> "New this week";
      };
      out.add(recJson(s.rec(), s.score(), reason));
    }
    return out;
  }

  /** The user's notifications, newest first; the first {@link #unreadCount} are unread. */
  public List<Notification> notifications(String userId) {
    User u = userById.get(userId);
    if (u == null) {
      return null;
    }
    List<Notification> out = new ArrayList<>(NOTIFICATIONS_PER_USER);
    int unread = unreadCount(userId);
    long seed = mix(userId.hashCode() + SEED);
    Instant at = NOW;
    List<Post> mine = postsBy(userId);
    for (int i = 0; i < NOTIFICATIONS_PER_USER; i++) {
      seed = mix(seed + i);
      at = at.minusSeconds(300 + (seed >>> 1) % 20_000);
      String kind = NOTIF_KINDS[(int) ((seed >>> 20) % NOTIF_KINDS.length)];
      User actor = users.get((int) ((seed >>> 30) % USERS));
      if (actor.id().equals(userId)) {
        actor = users.get((Integer.parseInt(userId.substring(1)) % USERS));
      }
      String postId = mine.isEmpty() ? "" : mine.get((int) ((seed >>> 40) % mine.size())).id();
      String text = switch (kind) {
        case "like" -> actor.name() + " liked your post " + postId;
        case "follow" -> actor.name() + " started following you";
        case "reply" -> actor.name() + " replied to your post " + postId;
        case "mention" -> actor.name() + " mentioned you";
        default -> actor.name() + " reposted your post " + postId;
      };
      out.add(new Notification("n-" + userId + "-" + (i + 1), kind, actor.id(), text, at, i >= unread));
    }
    return out;
  }

  /** Analytics summary of the last {@code days} days (ending at {@link #NOW}'s date). */
  public JsonObject summary(String userId, int days) {
    User u = userById.get(userId);
    if (u == null) {
      return null;
    }
    LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
    JsonArray series = new JsonArray();
    long total = 0;
    long base = Math.max(20, u.followers() / 12);
    for (int d = days - 1; d >= 0; d--) {
      LocalDate day = today.minusDays(d);
      long h = mix(userId.hashCode() * 131L + day.toEpochDay());
      long views = base / 2 + (h >>> 1) % base;
      total += views;
      series.add(new JsonObject().put("day", day.toString()).put("views", views));
    }
    long likes = total * (7 + Math.floorMod(mix(userId.hashCode() + days), 7L)) / 100;
    long gained = total / (40 + (mix(userId.hashCode()) >>> 1) % 60);
    Post top = null;
    for (Post p : postsBy(userId)) {
      if (top == null || p.likes() > top.likes()) {
        top = p;
      }
    }
    return new JsonObject()
        .put("userId", userId)
        .put("days", days)
        .put("views", total)
        .put("likes", likes)
        .put("followersGained", gained)
        .put("topPostId", top == null ? null : top.id())
        .put("series", series);
  }

  // ------------------------------------------------------------------ JSON

  public static JsonObject userJson(User u) {
    String base = "https://img.example/" + u.id() + "/";
    return new JsonObject()
        .put("id", u.id())
        .put("name", u.name())
        .put("handle", u.handle())
        .put("bio", u.bio())
        .put("verified", u.verified())
        .put("followers", u.followers())
        .put("following", u.following())
        .put("joinedAt", u.joinedAt())
        .put("avatar", new JsonObject()
            .put("small", base + "64.jpg")
            .put("medium", base + "128.jpg")
            .put("large", base + "512.jpg"));
  }

  public static JsonObject postJson(Post p) {
    JsonArray media = new JsonArray();
    for (Media m : p.media()) {
      media.add(new JsonObject().put("url", m.url()).put("width", m.width()).put("height", m.height()));
    }
    return new JsonObject()
        .put("id", p.id())
        .put("authorId", p.authorId())
        .put("text", p.text())
        .put("createdAt", p.createdAt().toString())
        .put("likes", p.likes())
        .put("reposts", p.reposts())
        .put("replies", p.replies())
        .put("tags", new JsonArray(new ArrayList<>(p.tags())))
        .put("media", media);
  }

  static JsonObject recJson(Rec r, double score, String reason) {
    return new JsonObject()
        .put("id", r.id())
        .put("title", r.title())
        .put("kind", r.kind())
        .put("score", score)
        .put("reason", reason)
        .put("image", new JsonObject().put("small", r.small()).put("large", r.large()));
  }

  public static JsonObject adJson(Ad a, String placement, String userId) {
    return new JsonObject()
        .put("id", a.id())
        .put("advertiser", a.advertiser())
        .put("headline", a.headline())
        .put("image", a.image())
        .put("clickUrl", a.clickUrl() + "?placement=" + placement + (userId == null ? "" : "&user=" + userId));
  }

  public static JsonObject notificationJson(Notification n) {
    return new JsonObject()
        .put("id", n.id())
        .put("kind", n.kind())
        .put("actorId", n.actorId())
        .put("text", n.text())
        .put("createdAt", n.createdAt().toString())
        .put("read", n.read());
  }

  /** SplitMix64 finalizer: a good, specified 64-bit mix. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
