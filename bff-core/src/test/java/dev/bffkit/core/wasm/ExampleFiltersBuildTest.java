package dev.bffkit.core.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bffkit.core.NpmTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The committed filters/dist/*.wasm are what the committed sources build to: the sources are copied into
 * target/filters-build, installed there from the lockfile (npm ci), built with filters/build.sh itself (the same
 * asc commands), and every module must equal the committed one byte for byte. A source edit without a rebuilt
 * dist fails here. Skipped without npm or a registry (NpmTools); .ci/run installs Node.
 */
class ExampleFiltersBuildTest {
  private static final Path FILTERS = ExampleFilterModulesTest.DIST.getParent();
  private static final Path BUILD = Path.of("target", "filters-build").toAbsolutePath();

  @Test
  @Timeout(900)
  void committedModulesAreTheBuildOfTheSources() throws Exception {
    // Only node_modules survives from an earlier run: a stale copy of a deleted source must not take part.
    if (Files.isDirectory(BUILD)) {
      try (Stream<Path> old = Files.list(BUILD)) {
        for (Path p : old.filter(p -> !p.getFileName().toString().equals("node_modules")).toList()) deleteTree(p);
      }
    }
    List<String> files = sources();
    for (String f : files) Files.createDirectories(BUILD.resolve(f).getParent());
    NpmTools.install(FILTERS, BUILD, files, "assemblyscript", "@solo-io/proxy-runtime");
    Path out = BUILD.resolve("out");
    NpmTools.Run r = NpmTools.run(List.of("sh", "build.sh", out.toString()), BUILD);
    assertEquals(0, r.exit(), r.output());
    try (Stream<Path> committed = Files.list(FILTERS.resolve("dist"))) {
      List<Path> modules = committed.sorted().toList();
      assertEquals(4, modules.size(), modules.toString());
      for (Path m : modules) {
        Path rebuilt = out.resolve(m.getFileName());
        assertArrayEquals(Files.readAllBytes(m), Files.readAllBytes(rebuilt),
            m.getFileName() + " is stale: run filters/build.sh and commit filters/dist");
      }
    }
    try (Stream<Path> built = Files.list(out)) {
      assertEquals(4, built.count(), "build.sh builds a module that is not committed");
    }
  }

  /** build.sh, the npm manifests and every .ts source, relative to filters/. */
  private static List<String> sources() throws Exception {
    List<String> files = new ArrayList<>(List.of("package.json", "package-lock.json", "build.sh"));
    try (Stream<Path> walk = Files.walk(FILTERS)) {
      walk.filter(p -> p.toString().endsWith(".ts") && !FILTERS.relativize(p).startsWith("node_modules"))
          .map(p -> FILTERS.relativize(p).toString()).sorted().forEach(files::add);
    }
    return files;
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted((a, b) -> b.compareTo(a)).toList()) Files.delete(p);
    }
  }
}
