package org.trame.jobs.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/**
 * Measures one stage of the bench at a time: wall time, peak JVM heap during the stage (the driver
 * and, in local mode, the executors), the process's peak resident memory so far, and the bytes
 * Spark's tasks read and wrote.
 */
final class StageMeter {
  private final AtomicLong bytesRead = new AtomicLong();
  private final AtomicLong bytesWritten = new AtomicLong();

  StageMeter(SparkSession spark) {
    spark
        .sparkContext()
        .addSparkListener(
            new SparkListener() {
              @Override
              public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) {
                  bytesRead.addAndGet(end.taskMetrics().inputMetrics().bytesRead());
                  bytesWritten.addAndGet(end.taskMetrics().outputMetrics().bytesWritten());
                }
              }
            });
  }

  /** What one stage cost. */
  record Measure(
      double seconds, long peakHeapBytes, long peakRssBytes, long bytesRead, long bytesWritten) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("seconds", Math.round(seconds * 1000) / 1000.0);
      m.put("peak_heap_bytes", peakHeapBytes);
      m.put("peak_rss_bytes", peakRssBytes);
      m.put("bytes_read", bytesRead);
      m.put("bytes_written", bytesWritten);
      return m;
    }
  }

  /** A stage's result with its measure. */
  record Timed<T>(T value, Measure measure) {}

  <T> Timed<T> measure(Supplier<T> stage) {
    // Tasks of the previous stage may still report: let the listener bus drain first.
    waitForListeners();
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
    long read0 = bytesRead.get();
    long written0 = bytesWritten.get();
    long start = System.nanoTime();
    T value = stage.get();
    double seconds = (System.nanoTime() - start) / 1e9;
    waitForListeners();
    long heap = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        heap += pool.getPeakUsage().getUsed();
      }
    }
    return new Timed<>(
        value,
        new Measure(
            seconds, heap, peakRss(), bytesRead.get() - read0, bytesWritten.get() - written0));
  }

  private static void waitForListeners() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The process's peak resident set (Linux {@code VmHWM}), or -1 elsewhere. */
  static long peakRss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (Exception e) {
      return -1;
    }
    return -1;
  }
}
