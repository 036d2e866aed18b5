package dev.bffkit.core.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;

/**
 * The one way the BFF writes lines off the event loop. {@link #offer} never blocks: it puts the
 * item on a bounded lock-free queue (a CAS on a size counter and a {@link ConcurrentLinkedQueue}
 * node), or, when the queue is full, drops it and counts it ({@code bff.observe.dropped{sink}}).
 * One daemon thread drains the queue in batches, turns items into lines with its {@link Format}
 * (in queue order, so a format may keep state: the audit chain hashes here) and hands each batch
 * to its {@link LineSink} in one write. Drops are told to the format (the audit chain records a
 * gap) and logged as one WARNING at most every {@link #WARN_EVERY_NANOS}.
 */
public final class LineWriter implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.observe");
  private static final int BATCH = 4096;
  static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
  /**
   * The writer drains every 20 ms rather than being woken per line: a wake-up per request (an
   * unpark, then a write and flush of one line) cost 25 µs of CPU per proxied request in the
   * load test, a third of the request. Lines wait at most this long; a queue past half full
   * wakes the writer at once.
   */
  private static final long DRAIN_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long FAILURE_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long CLOSE_WAIT_MILLIS = 5000;

  /** How queued items become lines; called on the writer thread only, in queue order. */
  public interface Format {
    /** First thing on the writer thread, before any write (the audit chain reads its file's tail here). */
    default void begin(StringBuilder out) {}

    /** Appends the line(s) for one item, each ending in {@code \n}. */
    void line(String item, StringBuilder out);

    /** {@code n} items were dropped since the last call (queue full, or lost in a failed write). */
    default void lost(long n, StringBuilder out) {}

    /** Last thing before the sink closes. */
    default void end(StringBuilder out) {}

    /**
     * The lines made since the last call were written ({@code ok}) or not: a format that keeps
     * state (the audit chain) rewinds to what the file holds; the lost lines come back through
     * {@link #lost}.
     */
    default void written(boolean ok) {}
  }

  /** Each item is one line as it is. */
  public static final Format PLAIN = (item, out) -> out.append(item).append('\n');

  private final String bffName;
  private final String sinkLabel;
  private final LineSink sink;
  private final Format format;
  private final int capacity;
  private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  /** Dropped since the writer last looked: its format chains them (audit gap records). */
  private final AtomicLong lostSinceDrain = new AtomicLong();
  private final LongAdder dropped = new LongAdder();
  private final Counter droppedCounter;
  private final Thread thread;
  private volatile boolean sleeping;
  private volatile boolean closing;
  /** Writer thread only. */
  private long unwarned;
  private long lastWarnNanos = System.nanoTime() - WARN_EVERY_NANOS;
  private long lastFailureWarnNanos = System.nanoTime() - WARN_EVERY_NANOS;

  private LineWriter(String bffName, String sinkLabel, LineSink sink, int capacity, Format format, MeterRegistry registry) {
    this.bffName = bffName;
    this.sinkLabel = sinkLabel;
    this.sink = sink;
    this.capacity = Math.max(1, capacity);
    this.format = format;
    this.droppedCounter = Counter.builder("bff.observe.dropped").tag("sink", sinkLabel)
        .description("Lines dropped because the writer's queue was full or the write failed")
        .register(registry);
    this.thread = new Thread(this::run, "bff-" + bffName + "-" + sinkLabel.replace('_', '-'));
    thread.setDaemon(true);
  }

  /**
   * Registers the drop counter and starts the writer thread. {@code sinkLabel} names the sink in
   * the metric and the logs ({@code access_log}, {@code audit}).
   */
  public static LineWriter start(String bffName, String sinkLabel, LineSink sink, int capacity, Format format,
      MeterRegistry registry) {
    LineWriter w = new LineWriter(bffName, sinkLabel, sink, capacity, format, registry);
    w.thread.start();
    return w;
  }

  /** Queues one item; false (dropped and counted) when the queue is full or the writer closed. Never blocks. */
  public boolean offer(String item) {
    if (closing || size.incrementAndGet() > capacity) {
      if (!closing) size.decrementAndGet();
      drop(1);
      return false;
    }
    queue.offer(item);
    if (sleeping && size.get() > capacity / 2) LockSupport.unpark(thread);
    return true;
  }

  private void drop(long n) {
    dropped.add(n);
    lostSinceDrain.addAndGet(n);
    droppedCounter.increment(n);
  }

  /** Items dropped so far (also the metric). */
  public long dropped() {
    return dropped.sum();
  }

  /** Items waiting for the writer. */
  public int queued() {
    return Math.max(0, Math.min(size.get(), capacity));
  }

  private void run() {
    StringBuilder text = new StringBuilder(1 << 16);
    try {
      format.begin(text);
    } catch (RuntimeException e) {
      LOG.warning("event=observe_writer_failed bff=" + bffName + " sink=" + sinkLabel + " error=" + e);
    }
    write(text);
    String[] batch = new String[BATCH];
    while (true) {
      int n = 0;
      String s;
      while (n < BATCH && (s = queue.poll()) != null) batch[n++] = s;
      if (n > 0) size.addAndGet(-n);
      long lost = lostSinceDrain.getAndSet(0);
      if (n == 0 && lost == 0) {
        warnIfDue(0);
        if (closing) break;
        pause();
        continue;
      }
      try {
        for (int i = 0; i < n; i++) {
          format.line(batch[i], text);
          batch[i] = null;
        }
        if (lost > 0) format.lost(lost, text);
      } catch (RuntimeException e) {
        LOG.warning("event=observe_writer_failed bff=" + bffName + " sink=" + sinkLabel + " error=" + e);
      }
      warnIfDue(lost);
      if (!write(text) && !closing) {
        LockSupport.parkNanos(this, FAILURE_PAUSE_NANOS); // a full disk: the queue drops meanwhile
      } else if (n < BATCH && !closing) {
        pause(); // let lines gather: one write per interval, not per line
      }
    }
    try {
      format.end(text);
    } catch (RuntimeException e) {
      LOG.warning("event=observe_writer_failed bff=" + bffName + " sink=" + sinkLabel + " error=" + e);
    }
    write(text);
    try {
      sink.close();
    } catch (IOException e) {
      LOG.warning("event=observe_close_failed bff=" + bffName + " sink=" + sinkLabel + " error=" + e);
    }
  }

  private void pause() {
    sleeping = true;
    if (!closing) LockSupport.parkNanos(this, DRAIN_EVERY_NANOS);
    sleeping = false;
  }

  /** Writes and clears {@code text}; lines that could not be written count as dropped. */
  private boolean write(StringBuilder text) {
    if (text.isEmpty()) return true;
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    text.setLength(0);
    boolean ok = false;
    try {
      sink.write(bytes, bytes.length);
      ok = true;
    } catch (IOException | RuntimeException e) {
      long lines = 0;
      for (byte b : bytes) if (b == '\n') lines++;
      drop(lines);
      long now = System.nanoTime();
      if (now - lastFailureWarnNanos >= WARN_EVERY_NANOS) {
        lastFailureWarnNanos = now;
        LOG.warning("event=observe_write_failed bff=" + bffName + " sink=" + sinkLabel + " lines=" + lines + " error=" + e);
      }
    }
    try {
      format.written(ok);
    } catch (RuntimeException e) {
      LOG.warning("event=observe_writer_failed bff=" + bffName + " sink=" + sinkLabel + " error=" + e);
    }
    return ok;
  }

  private void warnIfDue(long lost) {
    unwarned += lost;
    long now = System.nanoTime();
    if (unwarned == 0 || now - lastWarnNanos < WARN_EVERY_NANOS) return;
    LOG.warning("event=observe_dropped bff=" + bffName + " sink=" + sinkLabel + " dropped=" + unwarned
        + " total=" + dropped.sum() + " queue=" + capacity + " reason=queue_full_or_write_failed");
    unwarned = 0;
    lastWarnNanos = now;
  }

  /** Writes what is queued (waiting at most 5 s), then closes the sink; later offers are dropped and counted. */
  @Override
  public void close() {
    closing = true;
    LockSupport.unpark(thread);
    try {
      thread.join(CLOSE_WAIT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.warning("event=observe_close_timeout bff=" + bffName + " sink=" + sinkLabel + " queued=" + queued());
    } else {
      int left = queue.size(); // offered in the instant before closing was seen: lost, but counted
      if (left > 0) drop(left);
    }
  }
}
