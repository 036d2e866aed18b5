package dev.bffkit.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * bff.yaml's ways to write a thing once ({@code include:} files, {@code services.defaults}), done on the YAML node
 * tree before it is read, so every value keeps the line, and through {@link #own}, the file it was written in. A
 * merge is deep for mappings; a list or a single value replaces (an endpoint list is never half one file's and half
 * another's). The overriding side's key order comes after the base's, and its duplicate keys are kept, so the reader
 * still reports them.
 */
final class YamlMerge {
  private YamlMerge() {}

  /** {@code over} laid on {@code base}: keys of {@code over} win; two mappings under one key merge in turn. */
  static MappingNode merge(MappingNode base, MappingNode over) {
    List<NodeTuple> out = new ArrayList<>(base.getValue());
    for (NodeTuple t : over.getValue()) {
      int at = indexOf(out, key(t), base.getValue().size());
      if (at < 0) {
        out.add(t);
        continue;
      }
      NodeTuple b = out.get(at);
      if (b.getValueNode() instanceof MappingNode bm && t.getValueNode() instanceof MappingNode om) {
        out.set(at, new NodeTuple(t.getKeyNode(), merge(bm, om)));
      } else {
        out.set(at, t);
      }
    }
    return new MappingNode(over.getTag(), out, over.getFlowStyle());
  }

  /** The first tuple among the first {@code limit} (the base's own) with this key, or -1. */
  private static int indexOf(List<NodeTuple> tuples, String key, int limit) {
    if (key == null) return -1;
    for (int i = 0; i < limit; i++) {
      if (key.equals(key(tuples.get(i)))) return i;
    }
    return -1;
  }

  private static String key(NodeTuple t) {
    return t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
  }

  /** A copy of {@code mapping} without {@code key} (e.g. {@code include} once its files are merged). */
  static MappingNode without(MappingNode mapping, String key) {
    List<NodeTuple> out = new ArrayList<>();
    for (NodeTuple t : mapping.getValue()) {
      if (!key.equals(key(t))) out.add(t);
    }
    return new MappingNode(mapping.getTag(), out, mapping.getFlowStyle());
  }

  /** Records {@code file} as where every node under {@code node} was written (identity map: nodes are not values). */
  static void own(Node node, String file, Map<Node, String> origins) {
    if (node == null || origins.putIfAbsent(node, file) != null) return;
    if (node instanceof MappingNode m) {
      for (NodeTuple t : m.getValue()) {
        own(t.getKeyNode(), file, origins);
        own(t.getValueNode(), file, origins);
      }
    } else if (node instanceof SequenceNode s) {
      for (Node n : s.getValue()) own(n, file, origins);
    }
  }
}
