package dev.bffkit.core.compose;

import dev.bffkit.core.cache.CachePolicy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A field's compiled {@code @cache}: its policy, the tags every entry carries ({@code field:Type.f},
 * {@code service:<name>} and the declared literal ones) and the declared tag templates rendered per request
 * ({@code "user:{ctx.sub}"}). Built once at start-up.
 */
record CacheBinding(String coordinates, CachePolicy policy, Set<String> fixedTags, List<Template> tagTemplates) {

  CacheBinding {
    fixedTags = Set.copyOf(fixedTags);
    tagTemplates = List.copyOf(tagTemplates);
  }

  /** This request's tags; a template without its value throws {@link TemplateValueException} (then: no caching). */
  Set<String> tags(Template.Values values) {
    if (tagTemplates.isEmpty()) return fixedTags;
    Set<String> out = new LinkedHashSet<>(fixedTags);
    for (Template t : tagTemplates) out.add(t.render(values).substring(1)); // compiled behind a "/"
    return out;
  }

  boolean isPublic() {
    return policy.scope() == CachePolicy.Scope.PUBLIC;
  }

  /** The key's digest part for a request body or gRPC message (+ metadata): sha256, hex. */
  static String digest(byte[] first, String second) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(first);
      if (second != null) md.update(second.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every JVM has SHA-256
    }
  }
}
