package dev.bffkit.core.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * GCRA limits enforced in this process, lock-free: one CAS on a (key, limit)'s TAT per decision.
 *
 * <p><b>Table.</b> A fixed array of buckets, each an immutable array of at most {@value #WAYS}
 * cells; a cell holds the full key, its limit and its TAT. A lookup compares the full key (after a
 * hash check), so two keys never share a budget, whatever their hashes. A known key costs no
 * allocation; a new key copies its bucket's array once (copy-on-write, installed by one CAS on the
 * bucket, so two threads can never both insert the same key). Idle cells stay while their bucket
 * has room, so a key that comes back allocates nothing; an insert into a full bucket drops the cells
 * whose TAT is in the past: such a cell is equal to a fresh key, so forgetting it is always correct.
 * Only when all {@value #WAYS} cells of the bucket are live does the insert evict a live cell, the
 * one closest to full (smallest TAT): that key gets its budget back early, counted in
 * {@link #liveEvictions()}; size the table so that does not happen (buckets = maxKeys / 2, so at
 * maxKeys live keys fewer than 0.03 % of buckets overflow). Memory is bounded by
 * {@link #capacity()} cells.
 *
 * <p><b>Retiring a cell</b> is a CAS of its TAT to a dead mark before the bucket's new array is
 * installed: a decision racing on that cell either committed first (then the cell is live and
 * stays) or sees its CAS fail and looks the key up again. So no commit is ever lost to eviction.
 *
 * <p><b>Several limits</b> (e.g. per second and per day): check all, then commit in array order.
 * A refusal in the check commits nothing, so a request the daily limit refuses does not spend the
 * per-second budget. If a limit refuses during the commit (another thread spent it between check
 * and commit), the limits already committed are rolled back by a CAS to their previous TAT if
 * nobody has moved them since; otherwise that cell stays spent. So the limits may get out of step
 * under a race, but only by over-charging: each limit on its own never allows more than
 * rate × t + burst.
 */
public final class LocalLimiter {
  /** Cells per bucket. */
  static final int WAYS = 8;
  /** TAT of a retired cell; a real TAT is never this value ({@link #live}). */
  static final long DEAD = Long.MIN_VALUE;

  private final AtomicReferenceArray<Cell[]> buckets;
  private final int mask;
  private final LongSupplier clock;
  private final LongAdder liveEvictions = new LongAdder();

  /** A limiter on {@link System#nanoTime()} for about {@code maxKeys} live (key, limit) pairs. */
  public LocalLimiter(int maxKeys) {
    this(maxKeys, System::nanoTime);
  }

  /** The same on an injected clock in nanoseconds (tests use a fake one). */
  public LocalLimiter(int maxKeys, LongSupplier clock) {
    if (maxKeys < 1) throw new IllegalArgumentException("maxKeys must be >= 1, was " + maxKeys);
    int n = Integer.highestOneBit(Math.max(1, (maxKeys + 1) / 2));
    if (n < (maxKeys + 1) / 2) n <<= 1;
    this.buckets = new AtomicReferenceArray<>(n);
    this.mask = n - 1;
    this.clock = clock;
    Cell[] empty = new Cell[0];
    for (int i = 0; i < n; i++) buckets.set(i, empty);
  }

  /** {@link #decide(String, RateLimit[], long, Decision)} at the limiter's clock's now. */
  public boolean decide(String key, RateLimit[] limits, Decision out) {
    return decide(key, limits, clock.getAsLong(), out);
  }

  /**
   * Decides one request for {@code key} against every limit in {@code limits}: allowed only if
   * all allow, and then charged to all. Fills {@code out} and returns {@code out.allowed()}.
   */
  public boolean decide(String key, RateLimit[] limits, long now, Decision out) {
    return decide(key, null, limits, now, out);
  }

  /**
   * As {@link #decide(String, RateLimit[], long, Decision)} with limit i on its own key {@code keys[i]} (e.g. a
   * caller's tier limits and a per-address rule): all-or-nothing across the keys too.
   */
  public boolean decide(String[] keys, RateLimit[] limits, long now, Decision out) {
    if (keys.length != limits.length) {
      throw new IllegalArgumentException("one key per limit: keys=" + keys.length + " limits=" + limits.length);
    }
    return decide(null, keys, limits, now, out);
  }

  /** {@link #decide(String[], RateLimit[], long, Decision)} at the limiter's clock's now. */
  public boolean decide(String[] keys, RateLimit[] limits, Decision out) {
    return decide(keys, limits, clock.getAsLong(), out);
  }

  /** One key for all limits ({@code keys} null), or {@code keys[i]} for limit i. */
  private boolean decide(String key, String[] keys, RateLimit[] limits, long now, Decision out) {
    int n = limits.length;
    if (n == 0) throw new IllegalArgumentException("no limits for " + key);
    if (n > 1 && !check(key, keys, limits, now, out)) return false;
    out.ensureScratch(n);
    for (int i = 0; i < n; i++) {
      if (!commit(keys == null ? key : keys[i], limits[i], i, now, out)) {
        for (int j = 0; j < i; j++) ((Cell) out.cells[j]).cas(out.after[j], out.before[j]);
        clear(out, i);
        return false;
      }
    }
    int bind = 0;
    long least = Long.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      Cell c = (Cell) out.cells[i];
      long r = Gcra.remaining(out.after[i], now, c.emission, c.window);
      if (r < least) {
        least = r;
        bind = i;
      }
    }
    out.set(true, bind, limits[bind], least, Gcra.resetAfter(out.after[bind], now), 0);
    clear(out, n);
    return true;
  }

  /** The most cells the table can hold. */
  public int capacity() {
    return buckets.length() * WAYS;
  }

  /** Live keys evicted because their bucket was full: each got its budget back early. */
  public long liveEvictions() {
    return liveEvictions.sum();
  }

  /** Cells currently held (a scan; for tests and the admin page, not the hot path). */
  int cellCount() {
    int count = 0;
    for (int i = 0; i < buckets.length(); i++) {
      for (Cell c : buckets.get(i)) if (c.tat != DEAD) count++;
    }
    return count;
  }

  /** Whether the table still holds a cell for this key and limit (for tests). */
  boolean holds(String key, RateLimit limit) {
    int h = mix(key.hashCode(), limit);
    return find(buckets.get(h & mask), key, limit, h) != null;
  }

  /** Read-only pass over all limits; on a refusal fills {@code out} with the longest wait. */
  private boolean check(String key, String[] keys, RateLimit[] limits, long now, Decision out) {
    int worst = -1;
    long worstRetry = 0;
    long worstReset = 0;
    for (int i = 0; i < limits.length; i++) {
      RateLimit limit = limits[i];
      String k = keys == null ? key : keys[i];
      int h = mix(k.hashCode(), limit);
      Cell c = find(buckets.get(h & mask), k, limit, h);
      if (c == null) continue; // fresh: allows (burst >= 1)
      long tat = c.tat;
      if (tat == DEAD) continue;
      long retry = Gcra.retryAfter(tat, now, c.emission, c.window);
      if (retry > worstRetry) {
        worst = i;
        worstRetry = retry;
        worstReset = Gcra.resetAfter(tat, now);
      }
    }
    if (worst < 0) return true;
    out.set(false, worst, limits[worst], 0, worstReset, worstRetry);
    return false;
  }

  /**
   * Charges one request to (key, limit) with a CAS loop, or fills {@code out} with the refusal.
   * Records the cell and its TAT before and after in {@code out}'s scratch slot {@code i}.
   */
  private boolean commit(String key, RateLimit limit, int i, long now, Decision out) {
    int h = mix(key.hashCode(), limit);
    int b = h & mask;
    for (;;) {
      Cell[] cells = buckets.get(b);
      Cell c = find(cells, key, limit, h);
      if (c != null) {
        long tat = c.tat;
        if (tat == DEAD) continue; // retired under us: look again
        long next = live(Gcra.newTat(tat, now, c.emission));
        if (next - now > c.window) {
          out.set(false, i, limit, 0, Gcra.resetAfter(tat, now), next - now - c.window);
          return false;
        }
        if (c.cas(tat, next)) {
          out.cells[i] = c;
          out.before[i] = tat;
          out.after[i] = next;
          return true;
        }
        continue;
      }
      Cell fresh = new Cell(key, limit, h, live(now + limit.emissionNanos()));
      Cell[] grown = withInserted(cells, fresh, now);
      if (grown != null && buckets.compareAndSet(b, cells, grown)) {
        out.cells[i] = fresh;
        out.before[i] = now;
        out.after[i] = fresh.tat;
        return true;
      }
    }
  }

  /**
   * The bucket's next array with {@code fresh} added; null when a racing CAS means look again.
   * Idle cells stay while the bucket has room (a key that comes back finds its cell and allocates
   * nothing); a full bucket drops its idle cells, or else evicts the live one nearest to full.
   */
  private Cell[] withInserted(Cell[] cells, Cell fresh, long now) {
    int n = cells.length;
    if (n < WAYS) {
      Cell[] grown = Arrays.copyOf(cells, n + 1);
      grown[n] = fresh;
      return grown;
    }
    Cell[] kept = new Cell[WAYS];
    int live = 0;
    int victim = -1;
    long victimTat = 0;
    for (Cell c : cells) {
      long tat = c.tat;
      if (tat == DEAD) continue;
      if (tat - now <= 0) { // idle: equal to a fresh key, so forgetting it is correct
        if (!c.cas(tat, DEAD)) return null;
        continue;
      }
      if (victim < 0 || tat - victimTat < 0) {
        victim = live;
        victimTat = tat;
      }
      kept[live++] = c;
    }
    if (live == WAYS) {
      if (!kept[victim].cas(victimTat, DEAD)) return null;
      liveEvictions.increment();
      kept[victim] = fresh;
      return kept;
    }
    kept[live++] = fresh;
    return Arrays.copyOf(kept, live);
  }

  /** A TAT that happens to equal {@link #DEAD} (the clock wrapped onto it) is moved 1 ns later: stricter, never looser. */
  private static long live(long tat) {
    return tat == DEAD ? DEAD + 1 : tat;
  }

  private static Cell find(Cell[] cells, String key, RateLimit limit, int h) {
    for (Cell c : cells) {
      if (c.hash == h && (c.limit == limit || c.limit.equals(limit)) && c.key.equals(key) && c.tat != DEAD) return c;
    }
    return null;
  }

  private static void clear(Decision out, int n) {
    for (int i = 0; i < n; i++) out.cells[i] = null; // no retention of retired cells by a pooled Decision
  }

  /** Spreads (key, limit) over the buckets: a 64-bit finaliser (MurmurHash3 fmix64), folded to 32 bits. */
  private static int mix(int keyHash, RateLimit limit) {
    long x = ((long) keyHash << 32) ^ (limit.hashCode() & 0xffffffffL);
    x ^= x >>> 33;
    x *= 0xff51afd7ed558ccdL;
    x ^= x >>> 33;
    x *= 0xc4ceb9fe1a85ec53L;
    x ^= x >>> 33;
    return (int) x ^ (int) (x >>> 32);
  }

  /** One (key, limit)'s state. The key and limit never change; the TAT moves only by CAS. */
  static final class Cell {
    private static final VarHandle TAT;

    static {
      try {
        TAT = MethodHandles.lookup().findVarHandle(Cell.class, "tat", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final String key;
    final RateLimit limit;
    final int hash;
    final long emission;
    final long window;
    volatile long tat;

    Cell(String key, RateLimit limit, int hash, long tat) {
      this.key = key;
      this.limit = limit;
      this.hash = hash;
      this.emission = limit.emissionNanos();
      this.window = limit.windowNanos();
      this.tat = tat;
    }

    boolean cas(long expected, long next) {
      return TAT.compareAndSet(this, expected, next);
    }
  }
}
