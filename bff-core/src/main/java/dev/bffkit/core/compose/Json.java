package dev.bffkit.core.compose;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bffkit.core.internal.JsonMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * The one Jackson mapper of the engine (thread-safe once configured). Upstream bodies are
 * parsed once into plain Map/List/String/Number/Boolean so graphql-java reads them directly.
 */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper().registerModule(new com.fasterxml.jackson.databind.module.SimpleModule()
      .addSerializer(JsonMap.class, new JsonMapSerializer()));

  /** Writes a {@link JsonMap} from its arrays (Jackson's map serializer would make an entry per field). */
  private static final class JsonMapSerializer extends com.fasterxml.jackson.databind.ser.std.StdSerializer<JsonMap> {
    JsonMapSerializer() {
      super(JsonMap.class);
    }

    @Override
    public void serialize(JsonMap map, com.fasterxml.jackson.core.JsonGenerator gen,
        com.fasterxml.jackson.databind.SerializerProvider provider) throws IOException {
      gen.writeStartObject(map);
      map.writeFields(gen, provider);
      gen.writeEndObject();
    }
  }

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

  /** The value as JSON, written straight into the buffer (no intermediate byte array). */
  static Buffer toBuffer(Object value) {
    Buffer out = Buffer.buffer(4096);
    java.io.OutputStream os = new java.io.OutputStream() {
      @Override
      public void write(int b) {
        out.appendByte((byte) b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        out.appendBytes(b, off, len);
      }
    };
    try {
      MAPPER.writeValue(os, value);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
    }
    return out;
  }
}
