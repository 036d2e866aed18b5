package dev.bffkit.core.grpc;

import com.google.api.AnnotationsProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.ConfigFiles;
import dev.bffkit.core.config.GrpcConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The protobuf schemas a BFF knows: the descriptor sets named in {@code grpc.descriptors}
 * (built by protoc with {@code --include_imports}, e.g. shared-schemas'
 * {@code classpath:grpc/bffkit-services.desc}), resolved once at start-up. Methods are looked up
 * by {@code package.Service/Method}. {@code google.api.http} options are parsed, for transcoding.
 * Immutable after loading; shared by all event loops.
 */
public final class DescriptorRegistry {
  private static final DescriptorRegistry EMPTY = new DescriptorRegistry(Map.of(), Map.of());

  private final Map<String, Descriptors.ServiceDescriptor> services;
  private final Map<String, GrpcMethod> methods;

  private DescriptorRegistry(Map<String, Descriptors.ServiceDescriptor> services, Map<String, GrpcMethod> methods) {
    this.services = services;
    this.methods = methods;
  }

  public static DescriptorRegistry empty() {
    return EMPTY;
  }

  /**
   * Loads every descriptor set of {@code config}; {@code baseDir} resolves relative file paths
   * (null: only absolute paths and {@code classpath:}). Problems name the bff.yaml line.
   */
  public static DescriptorRegistry load(GrpcConfig config, Path baseDir) {
    if (config.descriptors().isEmpty()) return EMPTY;
    ExtensionRegistry extensions = ExtensionRegistry.newInstance();
    AnnotationsProto.registerAllExtensions(extensions);
    Map<String, FileDescriptorProto> protos = new LinkedHashMap<>();
    for (GrpcConfig.Entry e : config.descriptors()) {
      byte[] bytes = read(e, baseDir);
      FileDescriptorSet set;
      try {
        set = FileDescriptorSet.parseFrom(bytes, extensions);
      } catch (InvalidProtocolBufferException ex) {
        throw e.pos().error("'" + e.location() + "' is not a protobuf descriptor set (build it with protoc"
            + " --descriptor_set_out --include_imports): " + ex.getMessage());
      }
      for (FileDescriptorProto p : set.getFileList()) protos.putIfAbsent(p.getName(), p);
    }
    Map<String, FileDescriptor> built = new HashMap<>();
    for (String name : protos.keySet()) build(name, protos, built, config.descriptors().get(0), new ArrayList<>());
    List<FileDescriptor> files = new ArrayList<>(built.values());
    JsonFormat.TypeRegistry.Builder types = JsonFormat.TypeRegistry.newBuilder();
    for (FileDescriptor f : files) types.add(f.getMessageTypes());
    JsonFormat.TypeRegistry typeRegistry = types.build();
    Map<String, Descriptors.ServiceDescriptor> services = new LinkedHashMap<>();
    Map<String, GrpcMethod> methods = new LinkedHashMap<>();
    for (FileDescriptor f : files) {
      for (Descriptors.ServiceDescriptor s : f.getServices()) {
        services.put(s.getFullName(), s);
        for (Descriptors.MethodDescriptor m : s.getMethods()) {
          GrpcMethod gm = new GrpcMethod(m, typeRegistry);
          methods.put(gm.fullName(), gm);
        }
      }
    }
    // Warm the JSON <-> protobuf paths once (class loading, the printers' and parsers' caches) so
    // that the first request does not pay for it against a field's short @timeout.
    for (GrpcMethod m : methods.values()) m.warmUp();
    return new DescriptorRegistry(Map.copyOf(services), Map.copyOf(methods));
  }

  private static byte[] read(GrpcConfig.Entry e, Path baseDir) {
    try {
      return ConfigFiles.read(e.location(), baseDir);
    } catch (ConfigFiles.Unreadable u) {
      throw e.pos().error("'" + e.location() + "' " + u.getMessage());
    }
  }

  private static FileDescriptor build(String name, Map<String, FileDescriptorProto> protos,
      Map<String, FileDescriptor> built, GrpcConfig.Entry where, List<String> stack) {
    FileDescriptor done = built.get(name);
    if (done != null) return done;
    FileDescriptorProto p = protos.get(name);
    if (p == null) {
      throw where.pos().error("descriptor set lacks '" + name + "' (imported by " + stack.get(stack.size() - 1)
          + "); build it with --include_imports (includeDependenciesInDescriptorSet)");
    }
    if (stack.contains(name)) throw where.pos().error("import cycle through '" + name + "'");
    stack.add(name);
    FileDescriptor[] deps = new FileDescriptor[p.getDependencyCount()];
    for (int i = 0; i < deps.length; i++) deps[i] = build(p.getDependency(i), protos, built, where, stack);
    stack.remove(stack.size() - 1);
    try {
      FileDescriptor f = FileDescriptor.buildFrom(p, deps);
      built.put(name, f);
      return f;
    } catch (Descriptors.DescriptorValidationException ex) {
      throw where.pos().error("invalid descriptor '" + name + "': " + ex.getMessage());
    }
  }

  /** The method {@code package.Service/Method}, or null. */
  public GrpcMethod method(String fullName) {
    return methods.get(fullName);
  }

  /** The service {@code package.Service}, or null. */
  public Descriptors.ServiceDescriptor service(String fullName) {
    return services.get(fullName);
  }

  /**
   * The method, or a start-up error naming what is known, e.g. {@code unknown gRPC method
   * 'recs.v1.Recommendations/GetRecs'; recs.v1.Recommendations has: GetRecommendations, ...}.
   */
  public GrpcMethod require(String fullName) {
    GrpcMethod m = methods.get(fullName);
    if (m != null) return m;
    int slash = fullName.indexOf('/');
    if (slash <= 0 || slash == fullName.length() - 1) {
      throw new IllegalArgumentException("'" + fullName + "' is not a gRPC method name; write package.Service/Method");
    }
    String svc = fullName.substring(0, slash);
    Descriptors.ServiceDescriptor s = services.get(svc);
    if (s == null) {
      throw new IllegalArgumentException("unknown gRPC service '" + svc + "'; the descriptor sets define: "
          + (services.isEmpty() ? "none (list descriptor sets under grpc.descriptors in bff.yaml)"
              : String.join(", ", new TreeSet<>(services.keySet()))));
    }
    TreeSet<String> names = new TreeSet<>();
    s.getMethods().forEach(m2 -> names.add(m2.getName()));
    throw new IllegalArgumentException("unknown gRPC method '" + fullName + "'; " + svc + " has: " + String.join(", ", names));
  }

  public Map<String, GrpcMethod> methods() {
    return methods;
  }

  /** For errors outside bff.yaml: a message naming a file and line. */
  static ConfigException at(GrpcConfig.Pos pos, String message) {
    return pos.error(message);
  }
}
