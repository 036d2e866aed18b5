#!/usr/bin/env bash
# Assembles what a client module's container image holds besides Jib's own metadata, for
# `FROM scratch` (no registry is reachable, so no base image can be pulled):
#   BASE (shared by the four modules, built once per JDK and module list):
#     /opt/java   a jlink runtime of the build's JDK, with its default CDS archive
#     /lib...     the shared libraries that runtime needs (ldd), at the paths ldd names
#     /etc        passwd/group with uid 65532 "nonroot", nsswitch.conf, CA certificates, and
#                 /etc/bff, empty: where a Deployment mounts its ConfigMap (args --config /etc/bff)
#     /tmp        an empty directory (a pod mounts an emptyDir there); /app, /proc, /dev mount points
#   APP (per module): /app/bff-<client>.jar and /app/bff-<client>.jsa, the AppCDS archive
#     of a training run (--exit-when-ready) under bwrap with BASE as / and APP as /app, so
#     the archive sees the same paths, sizes and mtimes as the image (CDS checks them).
# Every file gets Jib's mtime (1970-01-01T00:00:01Z) before the training run, so the jar and
# runtime the archive recorded are the ones in the image.
#
# usage: rootfs.sh CLIENT SHADED_JAR BASE_DIR APP_DIR JIB_CACHE
set -euo pipefail

client=$1 jar=$2 base_parent=$3 app=$4 jib_cache=$5

# Jib reuses a cached layer when its files' paths, sizes and mtimes are unchanged; with every mtime pinned to 1 s, a
# rebuilt jar or archive of the same size would go out stale. Its cache of this module's layers goes (+2 s a build).
rm -rf "$jib_cache"

# Kept equal to the flags of the image's entrypoint (parent pom, jib-maven-plugin): a dynamic
# archive is refused when GC or compressed-pointer settings differ between training and use.
jvm_flags=(-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp
           -Dvertx.disableFileCPResolving=true -Dvertx.cacheDirBase=/tmp/vertx)

# jdeps on the shaded jar finds java.base, java.logging, jdk.unsupported; a -Xlog:class+load
# run adds what libraries reach by reflection or ServiceLoader (micrometer: java.management,
# jdk.management; Netty 4.2: jdk.jfr; snakeyaml: java.beans in java.desktop; Jackson: java.sql).
# jdk.crypto.ec for ECDSA JWTs and TLS, jdk.zipfs, java.naming + jdk.naming.dns for DNS.
modules=java.base,java.logging,java.management,java.naming,java.desktop,java.sql,jdk.jfr,jdk.management,jdk.management.jfr,jdk.unsupported,jdk.zipfs,jdk.crypto.ec,jdk.naming.dns
# java.desktop's native GUI libraries (they would pull X11, ALSA, freetype): java.beans needs none.
desktop_natives=$(printf '**/lib%s.so,' awt awt_headless awt_xawt fontmanager javajpeg jawt jsound lcms mlib_image splashscreen)
jib_mtime=@1   # Jib's default filesModificationTime, EPOCH_PLUS_SECOND

java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
key=$( { "$java_home/bin/java" -version 2>&1; echo "$modules"; sha256sum < "$0"; } | sha256sum | cut -c1-16)
base=$base_parent/rootfs

build_base() {
  local t0=$SECONDS tmp=$base_parent/rootfs.tmp
  rm -rf "$tmp" && mkdir -p "$tmp/etc/ssl/certs" "$tmp/etc/bff" "$tmp/tmp" "$tmp/app" "$tmp/proc" "$tmp/dev"
  "$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --exclude-files="${desktop_natives%,}" --generate-cds-archive --output "$tmp/opt/java" >/dev/null
  # The archive for heaps over 32 GB (no compressed oops): 11 MB that a BFF pod never uses.
  rm -f "$tmp/opt/java/lib/server/classes_nocoops.jsa"
  # The JDK's cacerts (Debian: a symlink into /etc) as a real file, for Java and for others.
  cp -L "$java_home/lib/security/cacerts" "$tmp/opt/java/lib/security/cacerts"
  cp -L /etc/ssl/certs/ca-certificates.crt "$tmp/etc/ssl/certs/ca-certificates.crt"
  # Shared libraries at the paths ldd resolves them to, plus the ELF interpreter; real files
  # (Jib copies symlinks' targets anyway), so the image needs no ld.so.cache.
  local lib
  for lib in $( { find "$tmp/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec ldd {} \; 2>/dev/null || true; } \
                | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u); do
    case $lib in "$tmp"/*) continue ;; esac
    mkdir -p "$tmp$(dirname "$lib")" && cp -L "$lib" "$tmp$lib"
  done
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$tmp/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' > "$tmp/etc/group"
  printf 'hosts: files dns\n' > "$tmp/etc/nsswitch.conf"
  find "$tmp" -exec touch -h -d "$jib_mtime" {} +
  rm -rf "$base"; mv "$tmp" "$base"; echo "$key" > "$base.key"
  echo "image: runtime for ${modules//,/ } built in $((SECONDS - t0)) s ($(du -sh "$base" | cut -f1))"
}

# Four modules share one BASE per build: flock serialises a parallel build (-T).
mkdir -p "$base_parent"
exec 9>"$base_parent/.lock"; flock 9
if [[ "$(cat "$base.key" 2>/dev/null)" != "$key" ]]; then build_base; fi
flock -u 9

rm -rf "$app" && mkdir -p "$app/app"
cp "$jar" "$app/app/bff-$client.jar"
find "$app" -exec touch -h -d "$jib_mtime" {} +

if ! command -v bwrap >/dev/null 2>&1; then
  echo "image: WARNING bwrap (Debian's bubblewrap) not found: bff-$client's image has no AppCDS archive; it starts without one (-Xshare:auto)"
  exit 0
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/bff-cds.XXXXXX"); trap 'rm -rf "$out" "$out.log"' EXIT
t0=$SECONDS
# The image's filesystem, read-only, as uid 65532, with a scratch /tmp as a pod has; the host
# network (the training run binds port 0 and reaches no service, which the BFF tolerates).
if bwrap --ro-bind "$base" / --ro-bind "$app/app" /app --bind "$out" /tmp --proc /proc --dev /dev \
     --unshare-user --unshare-pid --uid 65532 --gid 65532 --die-with-parent --clearenv \
     --setenv PATH /opt/java/bin --setenv BFF_HOST 127.0.0.1 --setenv BFF_ADMIN_HOST 127.0.0.1 \
     /opt/java/bin/java "${jvm_flags[@]}" -XX:ArchiveClassesAtExit=/tmp/bff-$client.jsa \
       -jar /app/bff-$client.jar --port 0 --exit-when-ready >"$out.log" 2>&1 \
   && [[ -s "$out/bff-$client.jsa" ]]; then
  cp "$out/bff-$client.jsa" "$app/app/bff-$client.jsa"
  touch -h -d "$jib_mtime" "$app/app/bff-$client.jsa"
  echo "image: AppCDS archive for bff-$client made in $((SECONDS - t0)) s ($(du -h "$app/app/bff-$client.jsa" | cut -f1))"
else
  echo "image: WARNING the AppCDS training run failed: bff-$client's image has no archive; it starts without one. Its log:"
  tail -20 "$out.log"
fi
