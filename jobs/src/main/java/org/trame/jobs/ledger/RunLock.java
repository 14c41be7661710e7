package org.trame.jobs.ledger;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.trame.jobs.cli.CommandException;
import org.trame.jobs.cli.ExitCode;
import org.trame.jobs.spark.WarehousePaths;

/**
 * A lock file held by one run at a time under {@code warehouse/_locks/}, so that two runs of one
 * job on one batch never write at once: the second exits with code 4 and names the run holding it.
 *
 * <p>The file is created only if absent (atomic on local disks and HDFS) and holds the run id,
 * host, process id and start time. A holder touches it every {@code lease / 6}; a lock whose
 * process is gone (same host) or that was not touched for a whole lease (any host) is stale, as
 * after a run was killed, and the next run takes it over by renaming it away first, so that of two
 * runs taking over one stale lock only one wins. On S3-compatible stores creation is not atomic:
 * see the README.
 */
public final class RunLock implements AutoCloseable {
  /** How long a lock stays valid without being touched. */
  public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);

  private final Store store;
  private final String runId;
  private final String replaced;
  private final ScheduledExecutorService heartbeat;

  private RunLock(Store store, String runId, String replaced, Duration lease) {
    this.store = store;
    this.runId = runId;
    this.replaced = replaced;
    this.heartbeat =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "trame-lock-heartbeat");
              t.setDaemon(true);
              return t;
            });
    long every = Math.max(1, lease.toMillis() / 6);
    heartbeat.scheduleAtFixedRate(this::touch, every, every, TimeUnit.MILLISECONDS);
  }

  /** Who holds a lock. */
  public record Holder(String runId, String host, long pid, Instant started, Instant touched) {
    /** True when the holder cannot still be running. */
    boolean stale(Instant now, Duration lease) {
      if (host.equals(thisHost())) {
        return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)
            || touched.plus(lease).isBefore(now);
      }
      return touched.plus(lease).isBefore(now);
    }

    String describe() {
      return "run " + runId + " (host " + host + ", process " + pid + ", since " + started + ")";
    }
  }

  /**
   * Takes the lock at {@code location} for {@code runId}, or throws a write conflict (exit 4).
   *
   * @param what what the lock protects, for the message ({@code "ingest of dcir batch 2023-01"})
   */
  public static RunLock acquire(
      Configuration conf, String location, String runId, String what, Duration lease) {
    Store store = Store.of(conf, location);
    String replaced = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      if (store.createIfAbsent(content(runId))) {
        return new RunLock(store, runId, replaced, lease);
      }
      Optional<Holder> holder = store.read();
      if (holder.isEmpty()) {
        continue; // released or being written in between: try again
      }
      if (!holder.get().stale(Instant.now(), lease)) {
        throw new CommandException(
            ExitCode.WRITE_CONFLICT,
            "Cannot start the "
                + what
                + ": "
                + holder.get().describe()
                + " is doing it now; wait for it to end (see `trame runs`), or if that run is"
                + " gone, rerun after "
                + lease.toSeconds()
                + " s, when its lock "
                + location
                + " expires");
      }
      store.takeOver(holder.get().runId(), runId);
      replaced = holder.get().runId();
    }
    throw new CommandException(
        ExitCode.WRITE_CONFLICT,
        "Cannot start the " + what + ": its lock " + location + " keeps changing hands");
  }

  /**
   * Takes the lock {@code warehouse/_locks/<lockName>.lock} with the default lease. When it takes
   * over the stale lock of a run that was killed, it records in the ledger that that run failed
   * (the run itself never could) and deletes the staging folder that run left behind.
   */
  public static RunLock acquire(
      RunLedger ledger,
      Configuration conf,
      WarehousePaths paths,
      String lockName,
      String runId,
      String what) {
    RunLock lock = acquire(conf, paths.lock(lockName), runId, what, DEFAULT_LEASE);
    if (lock.replaced != null) {
      ledger.markInterrupted(lock.replaced, runId);
      deleteQuietly(conf, paths.staging(lock.replaced));
    }
    return lock;
  }

  /** Deletes a killed run's leftover folder; a failure only leaves it for {@code maintain}. */
  private static void deleteQuietly(Configuration conf, String folder) {
    try {
      Path path = new Path(folder);
      path.getFileSystem(conf).delete(path, true);
    } catch (IOException e) {
      // Nothing depends on it being gone: staging folders are only ever read by their own run.
    }
  }

  /** The run whose stale lock this one took over, if any. */
  public Optional<String> replaced() {
    return Optional.ofNullable(replaced);
  }

  /** The current holder of the lock at {@code location}, if any (stale or not). */
  public static Optional<Holder> holder(Configuration conf, String location) {
    return Store.of(conf, location).read();
  }

  /** True when the lock at {@code location} is held by a run that may still be running. */
  public static boolean isLive(Configuration conf, String location, Duration lease) {
    return holder(conf, location).map(h -> !h.stale(Instant.now(), lease)).orElse(false);
  }

  /**
   * The runs holding a live lock in {@code folder}, other than the lock at {@code except}: {@code
   * lock name: run ... (host, process, since)}.
   */
  public static java.util.List<String> liveHolders(
      Configuration conf, String folder, String except, Duration lease) {
    java.util.List<String> out = new java.util.ArrayList<>();
    try {
      Path dir = new Path(folder);
      FileSystem fs = dir.getFileSystem(conf);
      if (!fs.exists(dir)) {
        return out;
      }
      for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(dir)) {
        String name = f.getPath().getName();
        if (!name.endsWith(".lock") || name.equals(new Path(except).getName())) {
          continue;
        }
        String location = folder + "/" + name;
        holder(conf, location)
            .filter(h -> !h.stale(Instant.now(), lease))
            .ifPresent(h -> out.add(name.replaceFirst("\\.lock$", "") + ": " + h.describe()));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list locks in " + folder, e);
    }
  }

  private void touch() {
    try {
      store.touch();
    } catch (RuntimeException e) {
      // A missed touch only shortens the lease; the next one may succeed.
    }
  }

  /** Releases the lock if this run still holds it. */
  @Override
  public void close() {
    heartbeat.shutdownNow();
    Optional<Holder> now = store.read();
    if (now.isPresent() && now.get().runId().equals(runId)) {
      store.delete();
    }
  }

  private static byte[] content(String runId) {
    Properties p = new Properties();
    p.setProperty("run", runId);
    p.setProperty("host", thisHost());
    p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
    p.setProperty("started", Instant.now().toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      p.store(out, "trame run lock");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static Optional<Holder> parse(byte[] bytes, Instant touched) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(new String(bytes, StandardCharsets.ISO_8859_1)));
      return Optional.of(
          new Holder(
              p.getProperty("run"),
              p.getProperty("host"),
              Long.parseLong(p.getProperty("pid")),
              Instant.parse(p.getProperty("started")),
              touched));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // half written: its writer is still on it
    }
  }

  private static volatile String host;

  /** This machine's name, looked up once (a slow resolver would otherwise slow every check). */
  private static String thisHost() {
    String h = host;
    if (h == null) {
      try {
        h = InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        h = "unknown";
      }
      host = h;
    }
    return h;
  }

  /** The lock file on a local disk (java.nio, atomic) or on a Hadoop file system. */
  private interface Store {
    boolean createIfAbsent(byte[] content);

    Optional<Holder> read();

    void touch();

    void delete();

    /** Renames the lock away if {@code staleRun} still holds it. */
    void takeOver(String staleRun, String newRun);

    static Store of(Configuration conf, String location) {
      URI uri = URI.create(location);
      if (uri.getScheme() == null || "file".equals(uri.getScheme())) {
        return new LocalStore(uri.getScheme() == null ? Paths.get(location) : Paths.get(uri));
      }
      return new HadoopStore(conf, new Path(location));
    }
  }

  private record LocalStore(java.nio.file.Path file) implements Store {
    @Override
    public boolean createIfAbsent(byte[] content) {
      try {
        Files.createDirectories(file.getParent());
        // A temporary file of its own per attempt: two threads of one JVM taking one lock must
        // not write the same one, or one could hold a lock that names the other.
        java.nio.file.Path temp =
            Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
        Files.write(temp, content);
        try {
          // A hard link is created atomically or not at all, with the content already in place.
          Files.createLink(file, temp);
          return true;
        } catch (FileAlreadyExistsException e) {
          return false;
        } catch (UnsupportedOperationException e) {
          try {
            Files.write(file, content, java.nio.file.StandardOpenOption.CREATE_NEW);
            return true;
          } catch (FileAlreadyExistsException again) {
            return false;
          }
        } finally {
          Files.deleteIfExists(temp);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot create lock " + file, e);
      }
    }

    @Override
    public Optional<Holder> read() {
      try {
        FileTime touched = Files.getLastModifiedTime(file);
        return parse(Files.readAllBytes(file), touched.toInstant());
      } catch (NoSuchFileException e) {
        return Optional.empty();
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read lock " + file, e);
      }
    }

    @Override
    public void touch() {
      try {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void delete() {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot delete lock " + file, e);
      }
    }

    @Override
    public void takeOver(String staleRun, String newRun) {
      java.nio.file.Path away = file.resolveSibling(file.getFileName() + ".stale-" + newRun);
      try {
        Files.move(file, away, StandardCopyOption.ATOMIC_MOVE);
      } catch (NoSuchFileException e) {
        return; // someone else took it over first
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot take over stale lock " + file, e);
      }
      try {
        Optional<Holder> moved = parse(Files.readAllBytes(away), Instant.now());
        if (moved.isPresent() && !moved.get().runId().equals(staleRun)) {
          // It had changed hands in between: put the live lock back.
          Files.move(away, file, StandardCopyOption.ATOMIC_MOVE);
        } else {
          Files.deleteIfExists(away);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot take over stale lock " + file, e);
      }
    }
  }

  private record HadoopStore(Configuration conf, Path file) implements Store {
    private FileSystem fs() throws IOException {
      return file.getFileSystem(conf);
    }

    @Override
    public boolean createIfAbsent(byte[] content) {
      try {
        try (OutputStream out = fs().create(file, false)) {
          out.write(content);
        }
        return true;
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
        return false;
      } catch (IOException e) {
        if (exists()) {
          return false;
        }
        throw new UncheckedIOException("Cannot create lock " + file, e);
      }
    }

    private boolean exists() {
      try {
        return fs().exists(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public Optional<Holder> read() {
      try {
        FileSystem fs = fs();
        long touched = fs.getFileStatus(file).getModificationTime();
        try (InputStream in = fs.open(file)) {
          return parse(in.readAllBytes(), Instant.ofEpochMilli(touched));
        }
      } catch (java.io.FileNotFoundException e) {
        return Optional.empty();
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read lock " + file, e);
      }
    }

    @Override
    public void touch() {
      try {
        fs().setTimes(file, System.currentTimeMillis(), -1);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void delete() {
      try {
        fs().delete(file, false);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot delete lock " + file, e);
      }
    }

    @Override
    public void takeOver(String staleRun, String newRun) {
      Path away = new Path(file.getParent(), file.getName() + ".stale-" + newRun);
      try {
        FileSystem fs = fs();
        if (!fs.rename(file, away)) {
          return;
        }
        Optional<Holder> moved;
        try (InputStream in = fs.open(away)) {
          moved = parse(in.readAllBytes(), Instant.now());
        }
        if (moved.isPresent() && !moved.get().runId().equals(staleRun)) {
          fs.rename(away, file);
        } else {
          fs.delete(away, false);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot take over stale lock " + file, e);
      }
    }
  }
}
