package dev.bffkit.core.observe.slo;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The running totals of an SLO's counters at the start of each of the last {@code slots} time
 * slots. The count over a window is the running total now minus the one at the window's first
 * slot, so the hot path never touches the ring: it only adds to the totals, and the ring is
 * written once per slot (under {@link TrackedSlo}'s tick lock). Readers see a slot's values
 * before its epoch (both volatile), so a slot whose epoch matches holds its values.
 *
 * <p>A window of length W read at time t covers from the start of slot {@code n - ceil(W/slot)}
 * (n = t's slot) to t: between W and W + one slot. Before the ring's creation every total was 0.
 */
final class SnapshotRing {
  private final long slotMillis;
  private final int slots;
  private final int kinds;
  private final long createdSlot;
  /** The slot number each entry holds, -1 when never written. */
  private final AtomicLongArray epochs;
  private final AtomicLongArray values;
  /** The newest slot written; only changed under the owner's lock. */
  private long lastSlot;

  /** {@code span}: the longest window read; the ring holds it plus two slots. */
  SnapshotRing(long slotMillis, long spanMillis, int kinds, long nowMillis) {
    this.slotMillis = slotMillis;
    this.slots = (int) ((spanMillis + slotMillis - 1) / slotMillis) + 2;
    this.kinds = kinds;
    this.createdSlot = Math.floorDiv(nowMillis, slotMillis);
    this.lastSlot = createdSlot;
    this.epochs = new AtomicLongArray(slots);
    for (int i = 0; i < slots; i++) epochs.set(i, -1);
    this.values = new AtomicLongArray(slots * kinds);
  }

  long slotMillis() { return slotMillis; }

  int slots() { return slots; }

  /**
   * Records {@code totals} as the running totals at the start of every slot since the last call
   * up to now's (events in skipped slots, if any, land in the slot before). Under the lock.
   * Returns true when a new slot began.
   */
  boolean advance(long nowMillis, long[] totals) {
    long n = Math.floorDiv(nowMillis, slotMillis);
    if (n <= lastSlot) return false; // same slot, or the wall clock stepped back
    for (long m = Math.max(lastSlot + 1, n - slots + 1); m <= n; m++) {
      int i = (int) Math.floorMod(m, (long) slots);
      for (int k = 0; k < kinds; k++) values.set(i * kinds + k, totals[k]);
      epochs.set(i, m);
    }
    lastSlot = n;
    return true;
  }

  /** The count of {@code kind} over the window ending now, given the running totals now. */
  long count(int kind, long nowMillis, long windowMillis, long total) {
    long n = Math.floorDiv(nowMillis, slotMillis);
    long m = n - (windowMillis + slotMillis - 1) / slotMillis;
    if (m <= createdSlot) return total;
    int i = (int) Math.floorMod(m, (long) slots);
    if (epochs.get(i) != m) return total; // not kept (the clock stepped far back): since creation
    return total - values.get(i * kinds + kind);
  }
}
