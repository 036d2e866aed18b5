package dev.bffkit.core.portal.keys;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The body of {@code POST /portal/keys}: {@code {"name": "my-app", "tier": "free"}}. A name is 1 to
 * {@value #MAX_NAME} letters, digits, spaces and {@code _ . -} (it is shown in the page and in
 * logs' neighbours, so nothing that could pass for markup or a new line); the tier one the portal
 * offers. Checked character by character (no regex per request).
 */
record KeyRequest(String name, String tier) {
  static final int MAX_NAME = 64;

  /** Why a request was refused: {@code status} 400 (not the JSON asked for) or 422 (a bad name or tier). */
  static final class Refused extends RuntimeException {
    final int status;
    final String code;

    Refused(int status, String code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  static KeyRequest parse(Buffer body, List<String> tiers) {
    JsonObject in;
    try {
      in = body == null || body.length() == 0 ? null : body.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      in = null;
    }
    if (in == null) throw new Refused(400, "bad_request", "send {\"name\": \"my-app\", \"tier\": \"" + tiers.get(0) + "\"}");
    Object name = in.getValue("name");
    if (!(name instanceof String n) || !validName(n)) {
      throw new Refused(422, "bad_name", "name: 1 to " + MAX_NAME + " letters, digits, spaces, _ . or -");
    }
    Object tier = in.getValue("tier", tiers.get(0));
    if (!(tier instanceof String t) || !tiers.contains(t)) {
      throw new Refused(422, "unknown_tier", "tier: one of " + String.join(", ", tiers));
    }
    return new KeyRequest(n.strip(), t);
  }

  static boolean validName(String n) {
    if (n.isBlank() || n.length() > MAX_NAME) return false;
    for (int i = 0; i < n.length(); i++) {
      char c = n.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ' || c == '_'
          || c == '.' || c == '-';
      if (!ok) return false;
    }
    return true;
  }
}
