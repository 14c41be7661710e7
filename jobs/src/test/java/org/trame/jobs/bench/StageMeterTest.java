package org.trame.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.jobs.spark.SparkExtension;

@ExtendWith(SparkExtension.class)
class StageMeterTest {
  @TempDir Path dir;

  @Test
  void aClosedMeterHearsNoMoreCollectionsNorTasks(SparkSession spark) throws Exception {
    StageMeter meter = new StageMeter(spark);
    StageMeter.Timed<Object> open =
        meter.measure(
            () -> {
              spark.range(1000).write().parquet(dir.resolve("open").toString());
              return null;
            });
    assertThat(open.measure().bytesWritten()).isPositive();
    // measure() collects at its start and end; the notifications arrive on another thread.
    waitUntil(() -> meter.collectionsSeen() > 0);
    assertThat(meter.collectionsSeen()).isPositive();

    meter.close();
    long seen = meter.collectionsSeen();
    StageMeter.Timed<Object> closed =
        meter.measure(
            () -> {
              spark.range(1000).write().parquet(dir.resolve("closed").toString());
              return null;
            });
    Thread.sleep(500);
    assertThat(closed.measure().bytesWritten()).isZero();
    assertThat(meter.collectionsSeen()).isEqualTo(seen);
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    for (int i = 0; i < 50 && !condition.getAsBoolean(); i++) {
      Thread.sleep(100);
    }
  }
}
