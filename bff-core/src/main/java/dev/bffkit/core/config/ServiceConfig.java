package dev.bffkit.core.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/** One upstream service: {@code services.<name>:} in bff.yaml. */
public record ServiceConfig(
    String name,
    /** Base URLs (scheme, host, port; no path), at least one. */
    List<URI> endpoints,
    Duration connectTimeout,
    /** Max pooled HTTP/1.1 connections per endpoint and event loop. */
    int poolSize,
    Duration keepAlive,
    /** Upper bound on one call; the request deadline may cut it shorter. */
    Duration timeout) {

  public ServiceConfig {
    endpoints = List.copyOf(endpoints);
  }
}
