package org.trame.jobs.extract;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The extract folder on any Hadoop file system (local, HDFS, S3A): files renamed to stable names,
 * side files written, SHA-256 taken, and the finished folder moved into place. On the local file
 * system it works on the raw file system, so no {@code .crc} side files reach researchers.
 */
final class ExtractFiles {
  /** A file of the extract, relative to its folder. */
  record FileEntry(String path, long bytes, String sha256) {}

  /** The name prefix of an extract folder being written; published by a rename when complete. */
  static final String UNFINISHED = ".tmp-";

  private final FileSystem fs;

  ExtractFiles(String uri, Configuration conf) {
    try {
      FileSystem f = new Path(uri).getFileSystem(conf);
      this.fs = f instanceof LocalFileSystem local ? local.getRawFileSystem() : f;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open the file system of " + uri, e);
    }
  }

  boolean exists(String path) {
    try {
      return fs.exists(new Path(path));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot look at " + path, e);
    }
  }

  /**
   * Deletes the unfinished ({@code .tmp-}) extract folders of a project, which only a killed
   * extract leaves behind; the caller holds the project's extract lock, so none is being written.
   */
  void removeUnfinished(String projectFolder) {
    try {
      Path dir = new Path(projectFolder);
      if (!fs.exists(dir)) {
        return;
      }
      for (FileStatus s : fs.listStatus(dir)) {
        if (s.getPath().getName().startsWith(UNFINISHED)) {
          fs.delete(s.getPath(), true);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot clean " + projectFolder, e);
    }
  }

  /**
   * Leaves only Spark's data files in a table folder, renamed {@code part-00000.parquet}, ... in
   * the order of the tasks that wrote them, with footers in a stable order ({@link StableFooters}):
   * names and bytes that do not depend on the job, so that the same data gives the same files.
   */
  void tidyTable(String folder, boolean stableFooters) {
    try {
      Path dir = new Path(folder);
      List<FileStatus> parts = new ArrayList<>();
      for (FileStatus s : fs.listStatus(dir)) {
        String name = s.getPath().getName();
        if (name.startsWith("part-") && name.endsWith(".parquet")) {
          parts.add(s);
        } else {
          fs.delete(s.getPath(), true);
        }
      }
      parts.sort(Comparator.comparing(s -> s.getPath().getName()));
      for (int i = 0; i < parts.size(); i++) {
        Path to = new Path(dir, String.format("part-%05d.parquet", i));
        if (!fs.rename(parts.get(i).getPath(), to)) {
          throw new IOException("rename to " + to + " failed");
        }
        if (stableFooters) {
          StableFooters.normalize(fs, to);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot tidy " + folder, e);
    }
  }

  /** Every file under {@code folder} with size and SHA-256, by relative path. */
  List<FileEntry> checksums(String folder) {
    List<FileEntry> out = new ArrayList<>();
    try {
      walk(new Path(folder), "", out);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + folder + ": " + e, e);
    }
    out.sort(Comparator.comparing(FileEntry::path));
    return out;
  }

  private void walk(Path dir, String prefix, List<FileEntry> out) throws IOException {
    FileStatus[] children;
    try {
      children = fs.listStatus(dir);
    } catch (java.io.FileNotFoundException e) {
      if (prefix.isEmpty()) {
        throw e;
      }
      // On an object store a folder is only a prefix: one whose last object was just deleted
      // (a committer's _temporary) can still be listed by its parent, and holds nothing.
      return;
    }
    Arrays.sort(children, Comparator.comparing(s -> s.getPath().getName()));
    for (FileStatus s : children) {
      String rel = prefix + s.getPath().getName();
      if (s.isDirectory()) {
        walk(s.getPath(), rel + "/", out);
      } else {
        out.add(new FileEntry(rel, s.getLen(), sha256(s.getPath())));
      }
    }
  }

  private String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = fs.open(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  void writeText(String path, String text) {
    try (OutputStream out = fs.create(new Path(path), false)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + path, e);
    }
  }

  /** Moves a finished folder to its final name; fails if that name exists. */
  void publish(String from, String to) {
    try {
      Path target = new Path(to);
      if (fs.exists(target)) {
        throw new IOException(to + " already exists");
      }
      fs.mkdirs(target.getParent());
      if (!fs.rename(new Path(from), target)) {
        throw new IOException("rename of " + from + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot publish the extract to " + to, e);
    }
  }

  void delete(String path) {
    try {
      fs.delete(new Path(path), true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + path, e);
    }
  }
}
