package dev.bffkit.loadtests.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the harness reads about another process on Linux: CPU time from {@code /proc/<pid>/stat}
 * (utime + stime, all threads), resident memory from {@code /proc/<pid>/status}, and the Java
 * heap after a full GC through {@code jcmd GC.run} + {@code jstat -gc}. Pure parsing functions are
 * separate from the I/O so they can be tested.
 */
public final class ProcStats {
  private static volatile long clockTicks;

  private ProcStats() {}

  /**
   * utime + stime in clock ticks from one {@code /proc/<pid>/stat} line. The command name (field
   * 2) is in parentheses and may hold spaces or ')' itself, so fields are counted after the last
   * ')': state is field 3, utime field 14, stime field 15.
   */
  public static long parseStatTicks(String stat) {
    int close = stat.lastIndexOf(')');
    if (close < 0) throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + stat);
    String[] f = stat.substring(close + 1).trim().split("\\s+");
    if (f.length < 13) throw new IllegalArgumentException("too few fields in /proc/<pid>/stat: " + stat);
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** {@code getconf CLK_TCK} (USER_HZ), 100 when it cannot be asked. */
  public static long clockTicksPerSecond() {
    long t = clockTicks;
    if (t > 0) return t;
    t = 100;
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) t = Long.parseLong(out);
    } catch (IOException | NumberFormatException e) {
      // keep 100, the Linux default
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    clockTicks = t;
    return t;
  }

  /**
   * CPU time (user + system) a process has used so far, in nanoseconds: /proc when readable,
   * otherwise {@link ProcessHandle.Info#totalCpuDuration()}; -1 when the process is gone.
   */
  public static long cpuNanos(long pid) {
    try {
      long ticks = parseStatTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
      return ticks * 1_000_000_000L / clockTicksPerSecond();
    } catch (IOException | RuntimeException e) {
      return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).map(Duration::toNanos).orElse(-1L);
    }
  }

  /**
   * CPU time of a process's live threads whose name ({@code /proc/PID/task/TID/stat}'s comm) starts with one of
   * {@code prefixes}, nanoseconds: say the JIT's compiler threads, whose bursts land in whichever window they fall.
   */
  public static long threadsCpuNanos(long pid, String... prefixes) {
    long ticks = 0;
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path t : tasks.toList()) {
        String stat;
        try {
          stat = Files.readString(t.resolve("stat"));
        } catch (IOException gone) {
          continue; // the thread ended
        }
        String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        for (String prefix : prefixes) {
          if (comm.startsWith(prefix)) {
            ticks += parseStatTicks(stat);
            break;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return ticks * 1_000_000_000L / clockTicksPerSecond();
  }

  /** A process's read and write system calls so far ({@code /proc/PID/io}: syscr, syscw); zeros when unreadable. */
  public static long[] ioSyscalls(long pid) {
    long[] rw = new long[2];
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "io"))) {
        if (line.startsWith("syscr:")) rw[0] = Long.parseLong(line.substring(6).trim());
        if (line.startsWith("syscw:")) rw[1] = Long.parseLong(line.substring(6).trim());
      }
    } catch (IOException | RuntimeException e) {
      return new long[2];
    }
    return rw;
  }

  /** CPU time of a process and all its descendants (nginx master + workers), nanoseconds. */
  public static long treeCpuNanos(ProcessHandle h) {
    long sum = Math.max(0, cpuNanos(h.pid()));
    for (ProcessHandle c : h.descendants().toList()) sum += Math.max(0, cpuNanos(c.pid()));
    return sum;
  }

  /**
   * Machine-wide CPU ticks from the first line of {@code /proc/stat} ({@code cpu user nice system
   * idle iowait irq softirq steal ...}): {busy, total}, where idle + iowait are not busy.
   */
  public static long[] parseMachineTicks(String procStat) {
    String first = procStat.lines().filter(l -> l.startsWith("cpu ")).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no cpu line in /proc/stat"));
    String[] f = first.trim().split("\\s+");
    long total = 0, idle = 0;
    for (int i = 1; i < f.length && i <= 8; i++) {
      long v = Long.parseLong(f[i]);
      total += v;
      if (i == 4 || i == 5) idle += v;
    }
    return new long[] {total - idle, total};
  }

  /** {busy, total} machine CPU in ns (all cores), or null when /proc/stat is not readable. */
  public static long[] machineCpuNanos() {
    try {
      long[] t = parseMachineTicks(Files.readString(Path.of("/proc/stat")));
      long hz = clockTicksPerSecond();
      return new long[] {t[0] * 1_000_000_000L / hz, t[1] * 1_000_000_000L / hz};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The first three fields of {@code /proc/loadavg}, or "?" */
  public static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  /** VmRSS in kB from a {@code /proc/<pid>/status} text; -1 when absent. */
  public static long parseRssKb(String status) {
    for (String line : status.split("\n")) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
    }
    return -1;
  }

  public static long rssKb(long pid) {
    try {
      return parseRssKb(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Used Java heap in kB from {@code jstat -gc} output (a header line and a value line): S0U + S1U
   * + EU + OU, located by column name so any collector's layout works.
   */
  public static double parseJstatHeapUsedKb(String out) {
    String[] lines = out.strip().split("\n");
    for (int i = 0; i + 1 < lines.length; i++) {
      String[] head = lines[i].trim().split("\\s+");
      if (!List.of(head).contains("EU")) continue;
      String[] vals = lines[i + 1].trim().split("\\s+");
      double sum = 0;
      for (int c = 0; c < head.length && c < vals.length; c++) {
        if (List.of("S0U", "S1U", "EU", "OU").contains(head[c])) sum += Double.parseDouble(vals[c].replace(',', '.'));
      }
      return sum;
    }
    throw new IllegalArgumentException("no jstat -gc header with EU in: " + out);
  }

  /** A JDK tool (jcmd, jstat) next to the running java, or on PATH. */
  public static Optional<Path> jdkTool(String name) {
    Path home = Path.of(System.getProperty("java.home"));
    for (Path p : List.of(home.resolve("bin").resolve(name), home.getParent() == null ? home : home.getParent().resolve("bin").resolve(name))) {
      if (Files.isExecutable(p)) return Optional.of(p);
    }
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) return Optional.of(Path.of(d, name));
    }
    return Optional.empty();
  }

  /**
   * Full GC in the target JVM ({@code jcmd <pid> GC.run}), then its used heap in MB from {@code
   * jstat -gc}. Blocking (two short-lived JVMs), bounded by 30 s each.
   */
  public static double heapUsedAfterGcMb(long pid) throws IOException, InterruptedException {
    Path jcmd = jdkTool("jcmd").orElseThrow(() -> new IOException("jcmd not found (needs a JDK)"));
    Path jstat = jdkTool("jstat").orElseThrow(() -> new IOException("jstat not found (needs a JDK)"));
    run(List.of(jcmd.toString(), Long.toString(pid), "GC.run"));
    return parseJstatHeapUsedKb(run(List.of(jstat.toString(), "-gc", Long.toString(pid)))) / 1024.0;
  }

  private static String run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + " did not finish in 30 s");
    }
    String s = new String(out);
    if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + s.strip());
    return s;
  }
}
