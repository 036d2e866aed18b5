package dev.bffkit.core.server;

import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a client may not say about itself: headers the gateway sets (the identity headers of
 * {@code auth.claimsToHeaders}, the deadline {@code x-request-timeout-ms}, {@code x-forwarded-host}
 * and {@code -proto}) are dropped from every request, with their look-alikes: any case, and
 * {@code _} for {@code -} (CGI-style servers such as Rack, WSGI or PHP read {@code x_user_id} and
 * {@code x-user-id} as one variable, and nginx drops underscored names by default for that
 * reason), and every duplicate. Look-alikes of {@code x-forwarded-for} and {@code x-request-id} go
 * too; their exact names stay (the gateway appends to the first and validates the second). A
 * credential header sent twice ({@code Authorization}, the API-key header) is refused: RFC 9110
 * §11.6.2 defines one credential, and a gateway that checked one copy must not let a service read
 * the other. One pass over the headers, no allocation unless something is dropped.
 */
public final class HeaderTrust {
  /** Folded names (lower case, '-' for '_') dropped however they are spelt. */
  private final String[] owned;
  /** Folded names whose exact spelling is kept, only look-alikes dropped. */
  private final String[] lookAlikesOnly;
  /** The API-key header (lower case), which may appear once like Authorization; null when none. */
  private final String apiKey;

  /** {@code identityHeaders}: the names the gateway sets from verified claims; {@code apiKeyHeader} may be null. */
  public HeaderTrust(Collection<String> identityHeaders, String apiKeyHeader) {
    Set<String> o = new LinkedHashSet<>();
    for (String h : identityHeaders) o.add(fold(h));
    o.add("x-request-timeout-ms");
    o.add("x-forwarded-host");
    o.add("x-forwarded-proto");
    o.add("x-bff-mirror"); // marks the gateway's copies to a shadow (traffic.mirrors); a client may not claim it
    this.owned = o.toArray(String[]::new);
    this.lookAlikesOnly = new String[] {"x-forwarded-for", "x-request-id"};
    this.apiKey = apiKeyHeader == null || apiKeyHeader.isEmpty() ? null : apiKeyHeader.toLowerCase(Locale.ROOT);
  }

  /** Drops what the client may not send (see the class); null when the request may go on, else why it is refused. */
  public String apply(MultiMap headers) {
    List<String> drop = null;
    int authorizations = 0;
    int apiKeys = 0;
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey();
      if (name.length() == 13 && name.equalsIgnoreCase("authorization") && ++authorizations > 1) {
        return "more than one Authorization header";
      }
      if (apiKey != null && name.length() == apiKey.length() && name.equalsIgnoreCase(apiKey) && ++apiKeys > 1) {
        return "more than one " + apiKey + " header";
      }
      if (dropped(name)) {
        if (drop == null) drop = new ArrayList<>(2);
        drop.add(name);
      }
    }
    if (drop != null) for (String name : drop) headers.remove(name);
    return null;
  }

  private boolean dropped(String name) {
    for (String o : owned) if (sameFolded(name, o)) return true;
    for (String o : lookAlikesOnly) if (sameFolded(name, o) && !name.equalsIgnoreCase(o)) return true;
    return false;
  }

  /** {@code name} equals the folded {@code folded} ignoring case, with '_' taken for '-'. */
  static boolean sameFolded(String name, String folded) {
    int n = folded.length();
    if (name.length() != n) return false;
    for (int i = 0; i < n; i++) {
      char c = name.charAt(i);
      if (c == '_') c = '-';
      else if (c >= 'A' && c <= 'Z') c = (char) (c + 32);
      if (c != folded.charAt(i)) return false;
    }
    return true;
  }

  private static String fold(String name) {
    return name.toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
