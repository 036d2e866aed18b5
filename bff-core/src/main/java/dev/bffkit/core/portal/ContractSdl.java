package dev.bffkit.core.portal;

import dev.bffkit.core.compose.CompositionEngine;
import graphql.Scalars;
import graphql.schema.GraphQLDirective;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.SchemaPrinter;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The client contract as SDL, for Apollo and graphql-codegen users: the schema the engine serves and introspection
 * answers ({@link CompositionEngine#schema()}, which already has no composition directive, no type only they use and
 * no {@code #} comment: see {@code compose/PublicSchema}), printed without introspection types and without the
 * definitions of directives every GraphQL server has. Descriptions stay: they are documentation for clients.
 */
public final class ContractSdl {
  /** The directives graphql-java adds to every schema (the spec's and its own, e.g. {@code @defer}). */
  private static final Set<String> BUILT_IN = GraphQLSchema.newSchema()
      .query(GraphQLObjectType.newObject().name("Query")
          .field(GraphQLFieldDefinition.newFieldDefinition().name("x").type(Scalars.GraphQLString)))
      .build().getDirectives().stream().map(GraphQLDirective::getName).collect(Collectors.toUnmodifiableSet());

  private static final SchemaPrinter PRINTER = new SchemaPrinter(SchemaPrinter.Options.defaultOptions()
      .includeIntrospectionTypes(false)
      .includeScalarTypes(true)
      .includeDirectiveDefinition(name -> !BUILT_IN.contains(name))
      .useAstDefinitions(false)
      .includeAstDefinitionComments(false)
      .descriptionsAsHashComments(false));

  private ContractSdl() {}

  /** The SDL of the engine's public schema. */
  public static String of(CompositionEngine engine) {
    return of(engine.schema());
  }

  static String of(GraphQLSchema contract) {
    return PRINTER.print(contract);
  }
}
