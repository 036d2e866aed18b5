package dev.bffkit.core.config;

/** A text file of a client bundle, kept with its display name so errors can point at it. */
public record SourceFile(String name, String text) {}
