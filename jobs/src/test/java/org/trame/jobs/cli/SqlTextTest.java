package org.trame.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/** How {@code trame sql} prints a value in its table and CSV formats. */
class SqlTextTest {
  @Test
  void arraysAndMapsArePrintedAsJsonNotAsScalaCollections() {
    Object reasons =
        CollectionConverters.asScala(List.of("field_count", "say \"hi\"\n", "back\\slash")).toSeq();
    assertThat(SqlCommand.text(reasons))
        .isEqualTo("[\"field_count\",\"say \\\"hi\\\"\\n\",\"back\\\\slash\"]");
    Object numbers = CollectionConverters.asScala(List.of(1L, 2L)).toSeq();
    assertThat(SqlCommand.text(numbers)).isEqualTo("[1,2]");
    Object map = CollectionConverters.asScala(Map.of("k", 3));
    assertThat(SqlCommand.text(map)).isEqualTo("{\"k\":3}");
    assertThat(SqlCommand.text(CollectionConverters.asScala(List.of()).toSeq())).isEqualTo("[]");
    assertThat(SqlCommand.text("plain")).isEqualTo("plain");
    assertThat(SqlCommand.text(42L)).isEqualTo("42");
  }
}
