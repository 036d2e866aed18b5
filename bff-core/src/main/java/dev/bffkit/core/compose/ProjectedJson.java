package dev.bffkit.core.compose;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.bffkit.core.internal.JsonMap;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parses an upstream body into plain Map/List/String/Number/Boolean values, the same ones
 * Jackson's untyped reading gives, but only the parts a {@link JsonProjection} wants: other
 * values are skipped by the tokenizer without being built.
 */
final class ProjectedJson {
  private ProjectedJson() {}

  static Object parse(Buffer body, JsonProjection projection) throws IOException {
    if (body == null || body.length() == 0) return null;
    if (projection == null) return Json.parse(body);
    try (JsonParser p = parser(body)) {
      JsonToken t = p.nextToken();
      if (t == null) return null;
      Object v = value(p, t, projection);
      return v;
    }
  }

  /** A parser over the body's own bytes when it has a heap array (Vert.x's bodies do): no copy. */
  private static JsonParser parser(Buffer body) throws IOException {
    if (body instanceof BufferInternal bi) {
      ByteBuf bb = bi.getByteBuf();
      if (bb.hasArray()) {
        return Json.MAPPER.getFactory().createParser(bb.array(), bb.arrayOffset() + bb.readerIndex(), bb.readableBytes());
      }
    }
    return Json.MAPPER.getFactory().createParser(body.getBytes());
  }

  private static Object value(JsonParser p, JsonToken t, JsonProjection proj) throws IOException {
    switch (t) {
      case START_OBJECT: {
        if (proj == null) return Json.MAPPER.readValue(p, Object.class);
        Map<String, Object> out = new JsonMap(proj.size());
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
          JsonToken vt = p.nextToken();
          if (proj.wants(key)) {
            out.put(key, value(p, vt, proj.child(key)));
          } else {
            p.skipChildren(); // a scalar is one token already; containers are skipped whole
          }
        }
        return out;
      }
      case START_ARRAY: {
        if (proj == null) return Json.MAPPER.readValue(p, Object.class);
        List<Object> out = new ArrayList<>();
        for (JsonToken it = p.nextToken(); it != JsonToken.END_ARRAY; it = p.nextToken()) {
          out.add(value(p, it, proj));
        }
        return out;
      }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new IOException("unexpected JSON token " + t);
    }
  }
}
