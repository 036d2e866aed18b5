package dev.bffkit.core.observe.slo;

import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClasspathBundles;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.route.RouteTable;
import dev.bffkit.core.server.Routes;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code java -jar bff.jar slo-rules --config DIR}: prints the Prometheus rules of the folder's
 * SLOs ({@link SloRules}) to stdout. The bundle is loaded and its route table compiled as at
 * start-up, so an SLO naming a missing route fails here as it would there: exit 2 with file:line.
 */
public final class SloRulesCommand {
  static final String USAGE = "usage: java -jar bff.jar slo-rules [--config DIR]   (Prometheus rules of observe.slos, to stdout;"
      + " a client module's jar reads its own folder without --config)";

  private SloRulesCommand() {}

  /**
   * Returns the exit code: 0, or 2 on a usage or configuration error. {@code client}: the folder
   * built into a client module's jar ({@code bff/<client>/}), used without {@code --config}; null
   * for the generic launcher.
   */
  public static int run(String client, String[] args) {
    return run(client, args, System.out, System.err);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    return run(null, args, out, err);
  }

  static int run(String client, String[] args, PrintStream out, PrintStream err) {
    String dir = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--config" -> {
          if (i + 1 >= args.length) return usage(err, "--config needs a value");
          dir = args[++i];
        }
        case "-h", "--help" -> {
          out.println(USAGE);
          return 0;
        }
        default -> {
          return usage(err, "unknown argument '" + args[i] + "'");
        }
      }
    }
    if (dir == null && client == null) return usage(err, "--config DIR is required");
    try {
      ClientBundle bundle;
      if (dir != null) {
        Path path = Path.of(dir);
        if (!Files.isDirectory(path)) throw new ConfigException(dir, 0, "not a directory; --config takes a client folder holding bff.yaml");
        bundle = BundleLoader.load(path);
      } else {
        bundle = ClasspathBundles.load(client);
      }
      RouteTable routes = Routes.compile(bundle, CompositionEngine.create(bundle));
      SloTracker.validate(bundle.config().observe().slos(), routes);
      out.print(SloRules.yaml(bundle.config().name(), bundle.config().observe().slos()));
      out.flush();
      return 0;
    } catch (ConfigException e) {
      err.println("bff: configuration error: " + e.getMessage());
      return 2;
    }
  }

  private static int usage(PrintStream err, String problem) {
    err.println("bff slo-rules: " + problem + "\n" + USAGE);
    return 2;
  }
}
