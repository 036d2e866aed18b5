package dev.bffkit.core.internal;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A JSON object as two arrays, keys and values, in insertion order: what the plans build for the
 * parts of upstream answers a screen reads (JSON and gRPC) and for the objects of the response. A screen makes
 * a few hundred small objects (a post: five fields); as {@link java.util.LinkedHashMap}s they
 * were a third of its allocation (an entry of 40 bytes per field plus a hash table per object),
 * and young-GC pauses are the BFF's p99. Lookups scan the keys: objects here are small and their
 * keys are interned by Jackson, a protobuf field's JSON name or shared with the plan, so most
 * comparisons are identity.
 *
 * <p>Mutable only by {@link #put}; not thread-safe (a plan's values live on one event loop).
 */
public final class JsonMap extends AbstractMap<String, Object> {
  private String[] keys;
  private Object[] values;
  private int size;

  /** An empty object with room for {@code capacity} fields before growing. */
  public JsonMap(int capacity) {
    keys = new String[Math.max(capacity, 2)];
    values = new Object[keys.length];
  }

  /**
   * The object {@code keys[i] → values[i]}, sharing both arrays (the caller hands them over;
   * keys may be shared between many objects and must not change). Keys must be distinct.
   */
  public JsonMap(String[] keys, Object[] values) {
    this.keys = keys;
    this.values = values;
    this.size = keys.length;
  }

  private int indexOf(Object key) {
    for (int i = 0; i < size; i++) {
      if (keys[i] == key) return i;
    }
    if (key != null) {
      for (int i = 0; i < size; i++) {
        if (key.equals(keys[i])) return i;
      }
    }
    return -1;
  }

  @Override
  public Object get(Object key) {
    int i = indexOf(key);
    return i < 0 ? null : values[i];
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  public Object put(String key, Object value) {
    int i = indexOf(key);
    if (i >= 0) {
      Object old = values[i];
      values[i] = value;
      return old;
    }
    if (size == keys.length) {
      keys = Arrays.copyOf(keys, size * 2);
      values = Arrays.copyOf(values, size * 2);
    }
    keys[size] = key;
    values[size++] = value;
    return null;
  }

  /** Writes the fields (names and values) to an open JSON object; see the composition engine's Jackson serializer. */
  public void writeFields(com.fasterxml.jackson.core.JsonGenerator gen, com.fasterxml.jackson.databind.SerializerProvider provider)
      throws java.io.IOException {
    for (int i = 0; i < size; i++) {
      gen.writeFieldName(keys[i]);
      provider.defaultSerializeValue(values[i], gen);
    }
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Set<Map.Entry<String, Object>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<String, Object>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < size;
          }

          @Override
          public Map.Entry<String, Object> next() {
            if (next >= size) throw new NoSuchElementException();
            int i = next++;
            return new SimpleImmutableEntry<>(keys[i], values[i]);
          }
        };
      }

      @Override
      public int size() {
        return size;
      }
    };
  }
}
