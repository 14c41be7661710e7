package org.trame.jobs.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/**
 * Measures one stage of the bench at a time: wall time, peak JVM heap during the stage, the most
 * heap that any garbage collection during the stage left in use, the heap still in use after a full
 * collection at its end, the process's peak resident memory so far, and the bytes Spark's tasks
 * read and wrote.
 *
 * <p>The heap is this JVM's: the driver's alone under a cluster master, the driver's and the
 * executors' under {@code local[*]}. The peak depends on how lazily the collector runs; the heap
 * left after each collection is what the stage kept alive, which is the measure to compare across
 * scales.
 */
final class StageMeter implements AutoCloseable {
  private final AtomicLong bytesRead = new AtomicLong();
  private final AtomicLong bytesWritten = new AtomicLong();
  private final AtomicLong mostAfterCollection = new AtomicLong();
  private final AtomicLong collectionsSeen = new AtomicLong();
  private final SparkSession spark;
  private final NotificationListener collectionListener =
      (notification, handback) -> afterCollection(notification);
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final SparkListener taskListener =
      new SparkListener() {
        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
          if (end.taskMetrics() != null) {
            bytesRead.addAndGet(end.taskMetrics().inputMetrics().bytesRead());
            bytesWritten.addAndGet(end.taskMetrics().outputMetrics().bytesWritten());
          }
        }
      };

  StageMeter(SparkSession spark) {
    this.spark = spark;
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (collector instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(collectionListener, null, null);
        emitters.add(emitter);
      }
    }
    spark.sparkContext().addSparkListener(taskListener);
  }

  /**
   * Stops listening to the JVM's collections and Spark's tasks: a JVM that makes several benches
   * (the tests, a notebook) would otherwise keep every earlier one's listeners.
   */
  @Override
  public void close() {
    for (NotificationEmitter emitter : emitters) {
      try {
        emitter.removeNotificationListener(collectionListener);
      } catch (ListenerNotFoundException e) {
        // Already removed.
      }
    }
    emitters.clear();
    spark.sparkContext().removeSparkListener(taskListener);
  }

  /** How many collections this meter has heard of, for tests. */
  long collectionsSeen() {
    return collectionsSeen.get();
  }

  private void afterCollection(Notification notification) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
        notification.getType())) {
      return;
    }
    collectionsSeen.incrementAndGet();
    GarbageCollectionNotificationInfo info =
        GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      MemoryUsage after = info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName());
      if (pool.getType() == MemoryType.HEAP && after != null) {
        used += after.getUsed();
      }
    }
    mostAfterCollection.accumulateAndGet(used, Math::max);
  }

  /** What one stage cost. */
  record Measure(
      double seconds,
      long peakHeapBytes,
      long mostHeapAfterCollectionBytes,
      long heapAfterStageBytes,
      long peakRssBytes,
      long bytesRead,
      long bytesWritten) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("seconds", Math.round(seconds * 1000) / 1000.0);
      m.put("peak_heap_bytes", peakHeapBytes);
      m.put("most_heap_after_gc_bytes", mostHeapAfterCollectionBytes);
      m.put("heap_after_stage_bytes", heapAfterStageBytes);
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
    mostAfterCollection.set(0);
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
    long mostAfter = mostAfterCollection.get();
    // What the stage left behind: the heap a full collection cannot free once it is over.
    System.gc();
    long left = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    return new Timed<>(
        value,
        new Measure(
            seconds,
            heap,
            Math.max(mostAfter, left),
            left,
            peakRss(),
            bytesRead.get() - read0,
            bytesWritten.get() - written0));
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
