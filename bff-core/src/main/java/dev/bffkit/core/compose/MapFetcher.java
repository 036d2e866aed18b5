package dev.bffkit.core.compose;

import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;

/** {@code @map(from: "a.b")}: the value at a dot path of the parent object (renames, flattening). */
final class MapFetcher implements DataFetcher<Object> {
  private final Selector from;

  MapFetcher(Selector from) {
    this.from = from;
  }

  Selector from() {
    return from;
  }

  @Override
  public Object get(DataFetchingEnvironment env) {
    return from.select(env.getSource());
  }
}
