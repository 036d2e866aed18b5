package dev.bffkit.core.config;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code filters:} in bff.yaml: static checks before auth. Off unless configured.
 *
 * <p>{@code ipAllow}/{@code ipDeny} are CIDRs (IPv4 and IPv6; a bare address is a /32 or /128).
 * The client address is the peer's, or, when the peer is a {@code trustedProxies} address, the
 * right-most {@code X-Forwarded-For} entry that is not itself a trusted proxy. Deny wins; a
 * non-empty allow list admits only its ranges. {@code countryHeader} names a header a trusted
 * edge (CDN) sets; {@code countryAllow}/{@code countryDeny} are ISO codes. The WAF matches SQL
 * injection and XSS signatures on the decoded path, query and header values and on request
 * bodies ({@link WafBody}): {@code block} (403) or {@code audit} (logged, let through).
 */
public record FiltersConfig(
    List<String> ipAllow,
    List<String> ipDeny,
    List<String> trustedProxies,
    String countryHeader,
    Set<String> countryAllow,
    Set<String> countryDeny,
    WafMode waf,
    WafBody wafBody,
    /** Proxy-Wasm filters, each attached to the routes it names; empty = none. */
    List<WasmFilterConfig> wasm) {

  public enum WafMode { OFF, AUDIT, BLOCK }

  /** What a body over {@link WafBody#limit()} gets: forwarded with its first bytes inspected, or 413. */
  public enum OverLimit { PASS, REJECT }

  /**
   * {@code filters.wafBody:} how the WAF reads bodies of plain proxy routes (they stream; GraphQL
   * bodies are read whole anyway). A body whose media type matches {@code types} is read up to
   * {@code limit} bytes before the service is called, checked, then forwarded followed by the rest
   * of the stream. Other types stream through unread. {@code types} entries are {@code type/sub},
   * {@code type/*}, {@code type/*+suffix} (e.g. {@code application/*+json}) or {@code *}{@code /*}.
   */
  public record WafBody(boolean inspect, int limit, OverLimit overLimit, List<String> types) {
    public static final List<String> DEFAULT_TYPES = List.of("application/json", "application/*+json",
        "application/x-www-form-urlencoded", "multipart/form-data", "text/*", "application/xml",
        "application/*+xml");

    public WafBody {
      if (limit <= 0) throw new IllegalArgumentException("limit must be positive");
      types = types.stream().map(t -> t.trim().toLowerCase(Locale.ROOT)).toList();
    }

    public static WafBody defaults() {
      return new WafBody(true, 64 * 1024, OverLimit.PASS, DEFAULT_TYPES);
    }

    /** Whether a body of this media type (lower case, no parameters) is read and checked. */
    public boolean inspects(String mediaType) {
      for (String t : types) {
        if (t.equals(mediaType) || t.equals("*/*")) return true;
        int star = t.indexOf("/*");
        if (star < 0 || !mediaType.regionMatches(0, t, 0, star + 1)) continue;
        String suffix = t.substring(star + 2); // "" for type/*, "+json" for type/*+json
        if (suffix.isEmpty() || mediaType.endsWith(suffix)) return true;
      }
      return false;
    }
  }

  public FiltersConfig {
    ipAllow = List.copyOf(ipAllow);
    ipDeny = List.copyOf(ipDeny);
    trustedProxies = List.copyOf(trustedProxies);
    countryAllow = Set.copyOf(countryAllow);
    countryDeny = Set.copyOf(countryDeny);
    if (wafBody == null) wafBody = WafBody.defaults();
    wasm = wasm == null ? List.of() : List.copyOf(wasm);
  }

  /** Without Proxy-Wasm filters. */
  public FiltersConfig(List<String> ipAllow, List<String> ipDeny, List<String> trustedProxies, String countryHeader,
      Set<String> countryAllow, Set<String> countryDeny, WafMode waf, WafBody wafBody) {
    this(ipAllow, ipDeny, trustedProxies, countryHeader, countryAllow, countryDeny, waf, wafBody, List.of());
  }

  /** With the default body inspection. */
  public FiltersConfig(List<String> ipAllow, List<String> ipDeny, List<String> trustedProxies, String countryHeader,
      Set<String> countryAllow, Set<String> countryDeny, WafMode waf) {
    this(ipAllow, ipDeny, trustedProxies, countryHeader, countryAllow, countryDeny, waf, WafBody.defaults());
  }

  public static FiltersConfig none() {
    return new FiltersConfig(List.of(), List.of(), List.of(), null, Set.of(), Set.of(), WafMode.OFF);
  }

  public boolean enabled() {
    return !ipAllow.isEmpty() || !ipDeny.isEmpty() || !countryAllow.isEmpty() || !countryDeny.isEmpty()
        || waf != WafMode.OFF;
  }

  /** Whether proxied bodies are read and checked (the WAF is on and {@code wafBody.inspect} is true). */
  public boolean inspectsBodies() {
    return waf != WafMode.OFF && wafBody.inspect();
  }
}
