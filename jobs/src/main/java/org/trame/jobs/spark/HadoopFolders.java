package org.trame.jobs.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** Folders on any Hadoop file system (local, HDFS, S3A), named by their URI. */
public final class HadoopFolders {
  private HadoopFolders() {}

  /** Deletes a folder and everything under it; a missing folder is fine. */
  public static void delete(Configuration hadoop, String folder) {
    try {
      Path path = new Path(folder);
      path.getFileSystem(hadoop).delete(path, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + folder, e);
    }
  }
}
