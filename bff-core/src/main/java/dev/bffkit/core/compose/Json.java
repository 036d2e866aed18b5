package dev.bffkit.core.compose;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * The one Jackson mapper of the engine (thread-safe once configured). Upstream bodies are
 * parsed once into plain Map/List/String/Number/Boolean so graphql-java reads them directly.
 */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /** Parses a whole body; empty bodies are null. */
  static Object parse(Buffer body) throws IOException {
    if (body == null || body.length() == 0) return null;
    return MAPPER.readValue(body.getBytes(), Object.class);
  }

  static Object parse(String text) throws IOException {
    return MAPPER.readValue(text, Object.class);
  }

  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
    }
  }

  static Buffer toBuffer(Object value) {
    try {
      return Buffer.buffer(MAPPER.writeValueAsBytes(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
    }
  }
}
