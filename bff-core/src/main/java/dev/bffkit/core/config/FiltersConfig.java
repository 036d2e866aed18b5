package dev.bffkit.core.config;

import java.util.List;
import java.util.Set;

/**
 * {@code filters:} in bff.yaml: static checks before auth. Off unless configured.
 *
 * <p>{@code ipAllow}/{@code ipDeny} are CIDRs (IPv4 and IPv6; a bare address is a /32 or /128).
 * The client address is the peer's, or, when the peer is a {@code trustedProxies} address, the
 * right-most {@code X-Forwarded-For} entry that is not itself a trusted proxy. Deny wins; a
 * non-empty allow list admits only its ranges. {@code countryHeader} names a header a trusted
 * edge (CDN) sets; {@code countryAllow}/{@code countryDeny} are ISO codes. The WAF matches SQL
 * injection and XSS signatures on the decoded path, query and header values: {@code block} (403)
 * or {@code audit} (logged, let through).
 */
public record FiltersConfig(
    List<String> ipAllow,
    List<String> ipDeny,
    List<String> trustedProxies,
    String countryHeader,
    Set<String> countryAllow,
    Set<String> countryDeny,
    WafMode waf) {

  public enum WafMode { OFF, AUDIT, BLOCK }

  public FiltersConfig {
    ipAllow = List.copyOf(ipAllow);
    ipDeny = List.copyOf(ipDeny);
    trustedProxies = List.copyOf(trustedProxies);
    countryAllow = Set.copyOf(countryAllow);
    countryDeny = Set.copyOf(countryDeny);
  }

  public static FiltersConfig none() {
    return new FiltersConfig(List.of(), List.of(), List.of(), null, Set.of(), Set.of(), WafMode.OFF);
  }

  public boolean enabled() {
    return !ipAllow.isEmpty() || !ipDeny.isEmpty() || !countryAllow.isEmpty() || !countryDeny.isEmpty()
        || waf != WafMode.OFF;
  }
}
