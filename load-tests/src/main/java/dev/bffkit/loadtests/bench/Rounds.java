package dev.bffkit.loadtests.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;

/** Medians over interleaved rounds (A B C A B C ...), so a noisy moment hurts one round of each. */
public final class Rounds {
  private Rounds() {}

  /** The median of the values (mean of the two middle ones for an even count); NaN when empty. */
  public static double median(double... values) {
    if (values.length == 0) return Double.NaN;
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  public static double median(List<? extends Number> values) {
    return median(values.stream().mapToDouble(Number::doubleValue).toArray());
  }

  /**
   * The round with the median throughput (for an even count, the lower middle one), so the row
   * shown is one real measurement with its own percentiles. Skipped rows are ignored; when every
   * round was skipped, the first is returned.
   */
  public static LoadResult medianByRate(List<LoadResult> rounds) {
    List<LoadResult> measured = new ArrayList<>(rounds.stream().filter(r -> !r.isSkipped()).toList());
    if (measured.isEmpty()) return rounds.get(0);
    measured.sort(Comparator.comparingDouble(LoadResult::achievedRate));
    return measured.get((measured.size() - 1) / 2);
  }

  /** "8123 / 8410 / 7990 req/s" for a note. */
  public static String rates(List<LoadResult> rounds) {
    return rounds.stream().map(r -> r.isSkipped() ? "skipped" : String.format(Locale.ROOT, "%.0f", r.achievedRate()))
        .collect(Collectors.joining(" / ")) + " req/s";
  }

  /**
   * A percentile bootstrap interval for the median of {@code values}: {@code level} (say 0.90) of 5 000 resamples'
   * medians fall within it. Seeded, so a report reads the same when rebuilt from the same figures.
   */
  public static double[] medianInterval(double[] values, double level, long seed) {
    if (values.length == 0) return new double[] {Double.NaN, Double.NaN};
    Random random = new Random(seed);
    int n = 5000;
    double[] medians = new double[n];
    double[] sample = new double[values.length];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < sample.length; j++) sample[j] = values[random.nextInt(values.length)];
      medians[i] = median(sample);
    }
    Arrays.sort(medians);
    double tail = (1 - level) / 2;
    return new double[] {medians[(int) Math.floor(tail * (n - 1))], medians[(int) Math.ceil((1 - tail) * (n - 1))]};
  }
}
