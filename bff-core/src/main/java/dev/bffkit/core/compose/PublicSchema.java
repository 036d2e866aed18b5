package dev.bffkit.core.compose;

import graphql.schema.GraphQLAppliedDirective;
import graphql.schema.GraphQLDirective;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLSchemaElement;
import graphql.schema.GraphQLTypeVisitorStub;
import graphql.schema.SchemaTransformer;
import graphql.util.TraversalControl;
import graphql.util.TraverserContext;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The client schema as clients may see it: the contract, without the composition directives.
 * Fields keep their data fetchers (they live in the code registry, by coordinates), so the same
 * schema executes and answers introspection. Removed: the definitions of {@code @rest}, {@code @grpc},
 * {@code @map}, {@code @timeout}, {@code @fallback}, {@code @auth}, {@code @hedge}, their applied
 * uses on fields, and the types only they use ({@code RestBatch}, {@code GrpcBatch}, and
 * {@code JSON} unless a field or argument of the contract has that type). A validation error then
 * reads "Unknown directive 'rest'" like for any other name, and {@code __schema { directives }}
 * lists only GraphQL's own. {@code #} comments never reach the schema (see {@link SchemaLoader}).
 */
final class PublicSchema {
  static final Set<String> INTERNAL_DIRECTIVES = Set.of(Directives.REST, Directives.GRPC, Directives.MAP,
      Directives.TIMEOUT, Directives.FALLBACK, Directives.AUTH, Directives.HEDGE, Directives.CACHE);

  private PublicSchema() {}

  static GraphQLSchema of(GraphQLSchema schema) {
    GraphQLSchema withoutUses = SchemaTransformer.transformSchema(schema, new GraphQLTypeVisitorStub() {
      @Override
      public TraversalControl visitGraphQLFieldDefinition(GraphQLFieldDefinition field,
          TraverserContext<GraphQLSchemaElement> context) {
        if (field.getDirectives().stream().noneMatch(d -> INTERNAL_DIRECTIVES.contains(d.getName()))
            && field.getAppliedDirectives().stream().noneMatch(d -> INTERNAL_DIRECTIVES.contains(d.getName()))) {
          return TraversalControl.CONTINUE;
        }
        List<GraphQLDirective> kept = field.getDirectives().stream()
            .filter(d -> !INTERNAL_DIRECTIVES.contains(d.getName())).toList();
        List<GraphQLAppliedDirective> keptApplied = field.getAppliedDirectives().stream()
            .filter(d -> !INTERNAL_DIRECTIVES.contains(d.getName())).toList();
        return changeNode(context, field.transform(b -> b.replaceDirectives(kept).replaceAppliedDirectives(keptApplied)));
      }
    });
    Set<GraphQLDirective> directives = new LinkedHashSet<>();
    for (GraphQLDirective d : withoutUses.getDirectives()) {
      if (!INTERNAL_DIRECTIVES.contains(d.getName())) directives.add(d);
    }
    // Rebuilt from the roots: types reachable only through the removed definitions drop out.
    return GraphQLSchema.newSchema(withoutUses).clearDirectives().additionalDirectives(directives).build();
  }
}
