package dev.bffkit.core.admin;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Shared by all event loops of one BFF: ready once every listener is up, not ready while draining or while a
 * dependency the BFF cannot serve without is down (e.g. a fail-closed shared rate limiter). Dependencies that only
 * degrade the service (a fail-open limiter) are shown in {@code /readyz}'s body but keep it ready.
 */
public final class Readiness {
  private volatile boolean ready;
  private volatile boolean draining;
  private final List<Check> checks = new CopyOnWriteArrayList<>();

  /** A dependency: {@code problem} is null while healthy; {@code blocking} true when the BFF cannot serve without it. */
  private record Check(String name, Supplier<String> problem, BooleanSupplier blocking) {}

  public void ready() { ready = true; }

  public void draining() { draining = true; }

  /** Registers a dependency, replacing one of the same name (a reload's new limiter replaces the old). */
  public void check(String name, Supplier<String> problem, BooleanSupplier blocking) {
    remove(name);
    checks.add(new Check(name, problem, blocking));
  }

  public void remove(String name) {
    checks.removeIf(c -> c.name().equals(name));
  }

  public boolean isReady() {
    if (!ready || draining) return false;
    for (Check c : checks) if (c.blocking().getAsBoolean()) return false;
    return true;
  }

  public boolean isDraining() { return draining; }

  /** True when some dependency reports a problem (the body of {@code /readyz} then names it). */
  public boolean hasProblems() {
    for (Check c : checks) if (c.problem().get() != null) return true;
    return false;
  }

  /** {@code /readyz}'s body: {@code {"status":"UP"}}, with {@code checks} naming each dependency's problem. */
  public JsonObject status() {
    String status = isReady() ? "UP" : draining ? "DRAINING" : "NOT_READY";
    JsonObject body = new JsonObject().put("status", status);
    JsonObject problems = null;
    for (Check c : checks) {
      String p = c.problem().get();
      if (p == null) continue;
      if (problems == null) problems = new JsonObject();
      problems.put(c.name(), p);
    }
    if (problems != null) body.put("checks", problems);
    return body;
  }
}
