package dev.bffkit.core.server;

import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.LimitsConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * What a running BFF can take from a new bundle and what needs a restart. The request path's parts are rebuilt by a
 * reload: the schema and screens, composition, proxy routes, auth, rate limits, filters, CORS and the GraphQL limits.
 * The services are applied as a diff ({@code UpstreamRegistry.prepare/commit}): unchanged ones keep their state,
 * endpoint-only changes are made in place, other changes and new services get a fresh state. The listener (server,
 * TLS, connection limits), the admin listener, observability and the gRPC descriptors live as long as the process:
 * changing them is refused, the old config keeps serving and the error says what to restart for.
 */
public final class Reload {
  private Reload() {}

  /** Null when {@code next} can be served by the running BFF; else the keys that changed, e.g. "server, grpc". */
  public static String restartNeeded(BffConfig running, BffConfig next) {
    List<String> changed = new ArrayList<>();
    if (!running.name().equals(next.name())) changed.add("name");
    // server.warmUp acts at the next start only: a change to it alone reloads.
    if (!running.server().withWarmUp(next.server().warmUp()).equals(next.server())) changed.add("server");
    if (!running.tls().equals(next.tls())) changed.add("tls");
    if (!running.admin().equals(next.admin())) changed.add("admin");
    if (!running.observe().equals(next.observe())) changed.add("observe");
    if (!running.grpc().equals(next.grpc())) changed.add("grpc");
    if (!running.fleet().equals(next.fleet())) changed.add("redis");
    // The field cache is built once per BFF (its bound, its shared tier); a reload keeps it.
    if (!running.composition().cache().equals(next.composition().cache())) changed.add("composition.cache");
    LimitsConfig a = running.limits();
    LimitsConfig b = next.limits();
    if (a.maxUriBytes() != b.maxUriBytes() || !a.headerReadTimeout().equals(b.headerReadTimeout())
        || a.maxConnections() != b.maxConnections()) {
      changed.add("limits.maxUriBytes/headerReadTimeout/maxConnections");
    }
    return changed.isEmpty() ? null : String.join(", ", changed);
  }
}
