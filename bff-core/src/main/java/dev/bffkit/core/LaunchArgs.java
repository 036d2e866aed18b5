package dev.bffkit.core;

/**
 * The launcher's command line:
 * {@code [--config DIR] [--port N] [--exit-when-ready] [--routes] [--check [--against DIR]] [--export DIR] [--help]}.
 */
record LaunchArgs(String configDir, Integer port, boolean exitWhenReady, boolean printRoutes, boolean help,
    boolean check, String exportDir, String againstDir) {
  static final String USAGE = """
      usage: java -jar bff.jar --config DIR [--port N] [--exit-when-ready] [--routes] [--check [--against OLD]]
                               [--export DIR]
        --config DIR       a client folder: bff.yaml, schema.graphqls, screens/*.graphql
        --port N           listen on N instead of server.port in bff.yaml (0 = any free port)
        --exit-when-ready  start, warm up, then stop cleanly: a training run, e.g. with
                           -XX:ArchiveClassesAtExit=bff.jsa to make a class-data archive
                           that later starts use with -XX:SharedArchiveFile=bff.jsa
        --routes           print the route table (one line per route) and exit
        --check            check the folder without starting: the start-up checks, every screen, and
                           every field against its service's OpenAPI document or gRPC descriptors;
                           prints "ok: ..." (exit 0) or every problem as file:line (exit 2)
        --against OLD      with --check: also the changes from the folder OLD (the version installed
                           apps were built against) that would break them (a removed screen or field,
                           a retyped or newly required variable, ...); dangerous ones are warnings
        --export DIR       write the client contract for client tools and exit: schema.graphql (what
                           clients see), operations/<screen>.graphql and Apollo's
                           persisted-query-manifest.json (ids = SHA-256 the BFF accepts by hash)
      java -jar bff.jar audit verify FILE
                           check an audit trail's hash chain: prints "ok N records" (exit 0)
                           or the first line that was changed, removed, inserted or moved (exit 1)
      java -jar bff.jar slo-rules [--config DIR]
                           print Prometheus recording and alerting rules for observe.slos
                           (a client module's jar: of its own folder without --config)""";

  static LaunchArgs parse(String[] args) {
    String config = null;
    Integer port = null;
    boolean help = false;
    boolean exitWhenReady = false;
    boolean printRoutes = false;
    boolean check = false;
    String export = null;
    String against = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--config" -> config = value(args, ++i, a);
        case "--port" -> {
          String v = value(args, ++i, a);
          try {
            port = Integer.parseInt(v);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--port takes a number, got '" + v + "'");
          }
          if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be 0..65535, got " + port);
        }
        case "--exit-when-ready" -> exitWhenReady = true;
        case "--routes" -> printRoutes = true;
        case "--check" -> check = true;
        case "--export" -> export = value(args, ++i, a);
        case "--against" -> against = value(args, ++i, a);
        case "-h", "--help" -> help = true;
        default -> throw new IllegalArgumentException("unknown argument '" + a + "'\n" + USAGE);
      }
    }
    if (against != null && !check) throw new IllegalArgumentException("--against goes with --check\n" + USAGE);
    return new LaunchArgs(config, port, exitWhenReady, printRoutes, help, check, export, against);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value\n" + USAGE);
    return args[i];
  }
}
