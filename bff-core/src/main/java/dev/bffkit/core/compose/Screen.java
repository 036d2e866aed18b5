package dev.bffkit.core.compose;

import graphql.language.Document;
import graphql.language.OperationDefinition;
import graphql.language.VariableDefinition;
import io.vertx.core.MultiMap;
import java.util.List;
import java.util.Map;

/**
 * A persisted operation ({@code screens/home.graphql} → screen {@code home}), parsed and
 * validated once at start-up; immutable and shared by all event loops.
 */
public final class Screen {
  private final String name;
  private final String query;
  private final OperationDefinition operation;
  private final Document document;
  private final VariableCoercion coercion;

  Screen(String name, String query, Document document, OperationDefinition operation, VariableCoercion coercion) {
    this.name = name;
    this.query = query;
    this.document = document;
    this.operation = operation;
    this.coercion = coercion;
  }

  public String name() { return name; }

  /** The operation text, also the key of its pre-parsed document. */
  public String query() { return query; }

  /** The operation's name, or null when it is anonymous. */
  public String operationName() { return operation.getName(); }

  public List<VariableDefinition> variableDefinitions() { return operation.getVariableDefinitions(); }

  Document document() { return document; }

  /**
   * Typed variables from query parameters (repeated parameters for lists); absent ones are left
   * to the operation's defaults, unknown ones ignored.
   *
   * @throws BadVariableException naming the variable and the expected type
   */
  public Map<String, Object> variablesFrom(MultiMap queryParams) {
    return coercion.coerce(queryParams);
  }

  @Override
  public String toString() { return "screen " + name; }
}
