package dev.bffkit.core.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bounded writer: rotation, drops counted and never blocking, flush on close. */
class LineWriterTest {
  @TempDir Path tmp;

  @Test
  void rotatesAtMaxBytesKeepingMaxFiles() throws Exception {
    Path file = tmp.resolve("access.log");
    LineWriter w = LineWriter.start("t", "access_log", new RotatingFile(file, 1000, 3, false), 10_000,
        LineWriter.PLAIN, new SimpleMeterRegistry());
    for (int i = 0; i < 100; i++) assertTrue(w.offer(String.format("line %03d %s", i, "x".repeat(88)))); // 100 bytes with \n
    w.close();

    assertTrue(Files.exists(file));
    assertTrue(Files.exists(tmp.resolve("access.log.1")));
    assertTrue(Files.exists(tmp.resolve("access.log.2")));
    assertFalse(Files.exists(tmp.resolve("access.log.3")), "only maxFiles files are kept");
    List<String> kept = new ArrayList<>();
    for (String name : List.of("access.log.2", "access.log.1", "access.log")) {
      Path p = tmp.resolve(name);
      assertTrue(Files.size(p) <= 1000, name + " is " + Files.size(p) + " bytes");
      String text = Files.readString(p);
      assertTrue(text.endsWith("\n"), name + " ends within a line");
      kept.addAll(text.lines().toList());
    }
    // the newest lines, in order, with none cut: 10 per full file
    assertEquals(30, kept.size());
    for (int i = 0; i < kept.size(); i++) assertTrue(kept.get(i).startsWith(String.format("line %03d ", 70 + i)), kept.get(i));
  }

  @Test
  void aLineLongerThanAFileGoesAloneIntoOne() throws Exception {
    Path file = tmp.resolve("a.log");
    LineWriter w = LineWriter.start("t", "access_log", new RotatingFile(file, 50, 3, false), 100, LineWriter.PLAIN,
        new SimpleMeterRegistry());
    w.offer("short");
    w.offer("y".repeat(200));
    w.offer("after");
    w.close();
    assertEquals("short\n", Files.readString(tmp.resolve("a.log.2")));
    assertEquals("y".repeat(200) + "\n", Files.readString(tmp.resolve("a.log.1")));
    assertEquals("after\n", Files.readString(file));
  }

  @Test
  void aFullQueueDropsAndCountsAndNeverBlocks() throws Exception {
    CountDownLatch stall = new CountDownLatch(1);
    CountDownLatch writing = new CountDownLatch(1);
    List<String> written = Collections.synchronizedList(new ArrayList<>());
    LineSink stalled = new LineSink() {
      @Override
      public void write(byte[] bytes, int len) throws IOException {
        writing.countDown();
        try {
          stall.await();
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
        written.addAll(new String(bytes, 0, len, StandardCharsets.UTF_8).lines().toList());
      }

      @Override
      public void close() {}
    };
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        if (r.getMessage().contains("event=observe_dropped")) warnings.add(r.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger.getLogger("dev.bffkit.observe").addHandler(capture);
    try {
      LineWriter w = LineWriter.start("t", "test_sink", stalled, 16, LineWriter.PLAIN, registry);
      assertTrue(w.offer("first"));
      assertTrue(writing.await(5, TimeUnit.SECONDS), "the writer took the first line and is now stalled");

      int[] accepted = new int[1];
      Thread producer = new Thread(() -> {
        for (int i = 0; i < 10_000; i++) if (w.offer("line " + i)) accepted[0]++;
      });
      assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
        producer.start();
        producer.join();
      }, "offer blocked while the writer was stalled");
      assertEquals(16, accepted[0], "the queue holds exactly its capacity");
      assertEquals(10_000 - 16, w.dropped());
      assertEquals(10_000 - 16, registry.get("bff.observe.dropped").tag("sink", "test_sink").counter().count());

      stall.countDown();
      w.close();
      assertEquals(17, written.size(), "everything accepted was written: " + written);
      assertEquals("first", written.get(0));
      assertEquals(1, warnings.size(), "one WARNING for the burst: " + warnings);
      assertTrue(warnings.get(0).contains("sink=test_sink") && warnings.get(0).contains("dropped=9984"), warnings.get(0));
      assertFalse(w.offer("late"), "closed: dropped");
      assertEquals(10_000 - 16 + 1, w.dropped());
    } finally {
      Logger.getLogger("dev.bffkit.observe").removeHandler(capture);
    }
  }

  @Test
  void manyProducersLoseNothingBelowCapacity() throws Exception {
    Path file = tmp.resolve("m.log");
    LineWriter w = LineWriter.start("t", "access_log", new RotatingFile(file, Long.MAX_VALUE, 1, false), 200_000,
        LineWriter.PLAIN, new SimpleMeterRegistry());
    List<Thread> producers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int id = t;
      producers.add(new Thread(() -> {
        for (int i = 0; i < 20_000; i++) w.offer(id + ":" + i);
      }));
    }
    producers.forEach(Thread::start);
    for (Thread p : producers) p.join();
    w.close();
    assertEquals(0, w.dropped());
    List<String> lines = Files.readAllLines(file);
    assertEquals(80_000, lines.size());
    int[] next = new int[4];
    for (String l : lines) { // each producer's lines in its own order, each once
      int t = l.charAt(0) - '0';
      assertEquals(t + ":" + next[t]++, l);
    }
  }

  @Test
  void closeWritesWhatIsQueued() throws Exception {
    Path file = tmp.resolve("q.log");
    LineWriter w = LineWriter.start("t", "access_log", new RotatingFile(file, Long.MAX_VALUE, 1, false), 100_000,
        LineWriter.PLAIN, new SimpleMeterRegistry());
    for (int i = 0; i < 50_000; i++) w.offer("l" + i);
    w.close();
    List<String> lines = Files.readAllLines(file);
    assertEquals(50_000 - w.dropped(), lines.size());
    assertEquals(0, w.dropped());
    assertEquals("l49999", lines.get(lines.size() - 1));
  }

  @Test
  void aFailedWriteCountsItsLinesAsDropped() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LineSink broken = new LineSink() {
      @Override
      public void write(byte[] bytes, int len) throws IOException {
        throw new IOException("No space left on device");
      }

      @Override
      public void close() {}
    };
    LineWriter w = LineWriter.start("t", "access_log", broken, 100, LineWriter.PLAIN, registry);
    w.offer("a");
    w.offer("b");
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (w.dropped() < 2 && System.nanoTime() < until) Thread.sleep(10);
    w.close();
    assertEquals(2, w.dropped());
    assertEquals(2, registry.get("bff.observe.dropped").counter().count());
  }
}
