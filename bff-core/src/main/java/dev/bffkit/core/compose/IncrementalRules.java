package dev.bffkit.core.compose;

import graphql.language.Directive;
import graphql.language.Document;
import graphql.language.Field;
import graphql.language.FragmentDefinition;
import graphql.language.FragmentSpread;
import graphql.language.InlineFragment;
import graphql.language.IntValue;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.language.SelectionSet;
import graphql.language.StringValue;
import graphql.schema.GraphQLCompositeType;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLFieldsContainer;
import graphql.schema.GraphQLList;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLType;
import graphql.schema.GraphQLTypeUtil;
import graphql.validation.ValidationError;
import graphql.validation.ValidationErrorType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.IdentityHashMap;

/**
 * The incremental delivery RFC's validation rules that graphql-java 24 does not apply without its
 * experimental flag: {@code @stream} only on list fields, a non-negative constant
 * {@code initialCount}, labels static strings and unique across the document. Run once per document (documents are cached), and only on documents whose
 * text mentions one of the directives.
 */
final class IncrementalRules {
  private IncrementalRules() {}

  /** Whether the text can hold an incremental directive at all (a cheap guard before walking). */
  static boolean mentions(String query) {
    return query.contains("@defer") || query.contains("@stream");
  }

  static List<ValidationError> check(GraphQLSchema schema, Document doc) {
    Map<String, FragmentDefinition> fragments = new HashMap<>();
    for (var d : doc.getDefinitions()) if (d instanceof FragmentDefinition f) fragments.put(f.getName(), f);
    Walk w = new Walk(schema, fragments);
    for (var d : doc.getDefinitions()) {
      if (d instanceof OperationDefinition op) {
        GraphQLCompositeType root = switch (op.getOperation()) {
          case QUERY -> schema.getQueryType();
          case MUTATION -> schema.getMutationType();
          case SUBSCRIPTION -> schema.getSubscriptionType();
        };
        if (root != null) w.selections(root, op.getSelectionSet(), new HashSet<>());
      }
    }
    return w.errors;
  }

  private static final class Walk {
    final GraphQLSchema schema;
    final Map<String, FragmentDefinition> fragments;
    final List<ValidationError> errors = new ArrayList<>(0);
    final Set<String> labels = new HashSet<>();
    /** Directive nodes already checked (a fragment spread twice is checked once). */
    final Set<Directive> seen = Collections.newSetFromMap(new IdentityHashMap<>());

    Walk(GraphQLSchema schema, Map<String, FragmentDefinition> fragments) {
      this.schema = schema;
      this.fragments = fragments;
    }

    void selections(GraphQLCompositeType type, SelectionSet set, Set<String> visiting) {
      if (set == null) return;
      for (Selection<?> s : set.getSelections()) {
        if (s instanceof Field f) {
          GraphQLFieldDefinition def = type instanceof GraphQLFieldsContainer c ? c.getFieldDefinition(f.getName()) : null;
          for (Directive d : f.getDirectives(DeferPlan.STREAM)) {
            if (!seen.add(d)) continue;
            common(d);
            if (def != null && !(GraphQLTypeUtil.unwrapNonNull(def.getType()) instanceof GraphQLList)) {
              error(d, "Directive 'stream' is only allowed on list fields, not on '" + f.getName() + "'");
            }
            if (d.getArgument("initialCount") != null && d.getArgument("initialCount").getValue() instanceof IntValue i
                && i.getValue().signum() < 0) {
              error(d, "Directive 'stream' needs an initialCount of 0 or more");
            }
          }
          if (def != null && GraphQLTypeUtil.unwrapAll(def.getType()) instanceof GraphQLCompositeType inner) {
            selections(inner, f.getSelectionSet(), visiting);
          }
        } else if (s instanceof InlineFragment in) {
          defers(in.getDirectives());
          GraphQLType t = in.getTypeCondition() == null ? type : schema.getType(in.getTypeCondition().getName());
          if (t instanceof GraphQLCompositeType ct) selections(ct, in.getSelectionSet(), visiting);
        } else if (s instanceof FragmentSpread spread) {
          defers(spread.getDirectives());
          FragmentDefinition def = fragments.get(spread.getName());
          if (def != null && visiting.add(def.getName())) {
            if (schema.getType(def.getTypeCondition().getName()) instanceof GraphQLCompositeType ct) {
              selections(ct, def.getSelectionSet(), visiting);
            }
            visiting.remove(def.getName());
          }
        }
      }
    }

    void defers(List<Directive> directives) {
      for (Directive d : directives) {
        if (d.getName().equals(DeferPlan.DEFER) && seen.add(d)) common(d);
      }
    }

    /** Label and operation rules shared by both directives. */
    void common(Directive d) {
      var label = d.getArgument("label");
      if (label == null) return;
      if (!(label.getValue() instanceof StringValue s)) {
        error(d, "Directive '" + d.getName() + "' needs a static string label");
      } else if (!labels.add(s.getValue())) {
        error(d, "Label '" + s.getValue() + "' is used twice; @defer and @stream labels must be unique",
            ValidationErrorType.DuplicateIncrementalLabel);
      }
    }

    void error(Directive d, String message) {
      error(d, message, ValidationErrorType.MisplacedDirective);
    }

    void error(Directive d, String message, ValidationErrorType type) {
      errors.add(ValidationError.newValidationError()
          .validationErrorType(type)
          .sourceLocation(d.getSourceLocation())
          .description(message)
          .build());
    }
  }
}
