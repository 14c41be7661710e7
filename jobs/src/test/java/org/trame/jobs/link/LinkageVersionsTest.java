package org.trame.jobs.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.jobs.spark.SparkExtension;

/** Which version of a linkage table the next link builds on, after finished and killed runs. */
@ExtendWith(SparkExtension.class)
class LinkageVersionsTest {
  @TempDir Path dir;

  private void commit(SparkSession spark, String table, String rows, String tag) {
    var writer =
        spark.sql("SELECT explode(sequence(1, " + rows + ")) AS n").write().format("delta");
    if (tag != null) {
      writer = writer.option("userMetadata", tag);
    }
    writer.mode("overwrite").save(table);
  }

  @Test
  void theCommitsOfUnfinishedLinkRunsAreSkipped(SparkSession spark) {
    String table = dir.resolve("person_index").toString();
    LinkageVersions none = new LinkageVersions(spark, Set.of("killed", "failed"));
    assertThat(none.version(table)).as("no table yet").isEmpty();

    commit(spark, table, "2", LinkageVersions.tag("killed"));
    assertThat(none.version(table)).as("only a killed run wrote it").isEmpty();

    commit(spark, table, "3", LinkageVersions.tag("done")); // version 1
    commit(spark, table, "4", "trame rekey to link-v1>link-v2"); // version 2, not a link
    commit(spark, table, "5", LinkageVersions.tag("failed")); // version 3
    commit(spark, table, "6", LinkageVersions.tag("killed")); // version 4
    assertThat(none.version(table)).contains(2L);
    assertThat(none.read(table).orElseThrow().count()).isEqualTo(4);
    assertThat(none.partial(table)).isTrue();

    LinkageVersions all = new LinkageVersions(spark, Set.of());
    assertThat(all.version(table)).as("nothing unfinished: the latest").contains(4L);
    assertThat(all.partial(table)).isFalse();
    commit(spark, table, "7", LinkageVersions.tag("done")); // version 5
    assertThat(none.partial(table)).isFalse();
    assertThat(none.version(table)).contains(5L);
  }
}
